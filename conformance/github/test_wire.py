"""What every response shares: error bodies, credentials, pagination, rate limits,
conditional requests, URLs built from the request, and the 501 for what is not modelled."""

from __future__ import annotations

import base64
import http.client
import json
import re
from urllib.parse import urlsplit

import pytest

from fakes.conformance.github._support import assert_error, put_file
from fakes.conformance.github.targets import DOCS, Target

behaviour = pytest.mark.behaviour

USING = f"{DOCS}/using-the-rest-api"
PAGINATION = f"{USING}/using-pagination-in-the-rest-api"
RATE_LIMITS = f"{USING}/rate-limits-for-the-rest-api"
BEST_PRACTICES = f"{USING}/best-practices-for-using-the-rest-api"
TROUBLESHOOTING = f"{USING}/troubleshooting-the-rest-api"
CLIENT_ERRORS = f"{USING}/troubleshooting-the-rest-api#400-bad-request"


@behaviour("GH-010", "an unknown token answers 401 'Bad credentials'; a token also works as "
           "the password of Basic authentication",
           cite=f"{TROUBLESHOOTING}#401-unauthorized; {DOCS}/authentication/authenticating-to-"
                "the-rest-api#using-basic-authentication")
def test_bad_credentials(target: Target) -> None:
    assert_error(target.http("GET", "/user", token="ghp_not-a-token"), 401, "Bad credentials")
    login = target.http("GET", "/user").json()["login"]
    basic = base64.b64encode(f"{login}:{target.token}".encode()).decode()
    as_basic = target.http("GET", "/user", token=None, headers={"Authorization": f"Basic {basic}"})
    assert as_basic.status_code == 200 and as_basic.json()["login"] == login
    wrong = base64.b64encode(f"{login}:ghp_wrong".encode()).decode()
    assert_error(target.http("GET", "/user", token=None,
                             headers={"Authorization": f"Basic {wrong}"}), 401,
                 "Bad credentials")


@behaviour("GH-011", "a body that is not JSON answers 400 'Problems parsing JSON' and "
           "changes nothing", cite=CLIENT_ERRORS)
def test_problems_parsing_json(target: Target) -> None:
    repo = target.new_repo("json")
    before = target.http("GET", f"/repos/{repo}/git/matching-refs/").json()
    bad = target.http("POST", f"/repos/{repo}/git/refs", data=b"{not json",
                      headers={"Content-Type": "application/json"})
    assert_error(bad, 400, "Problems parsing JSON")
    assert target.http("GET", f"/repos/{repo}/git/matching-refs/").json() == before


@behaviour("GH-012", "per_page and page select a page; Link names prev, next, last and first "
           "as GitHub formats it, and is absent when everything fits one page",
           cite=PAGINATION)
def test_pagination(target: Target) -> None:
    repo = target.new_repo("pages")
    for i in range(4):
        assert put_file(target, repo, f"f{i}.txt", f"{i}\n").status_code == 201
    first = target.http("GET", f"/repos/{repo}/commits?per_page=2")
    assert first.status_code == 200 and len(first.json()) == 2
    links = first.links
    assert set(links) == {"next", "last"}
    assert re.search(r"[?&]page=2\b", links["next"]["url"])
    assert re.search(r"[?&]page=3\b", links["last"]["url"])
    assert re.search(r"[?&]per_page=2\b", links["next"]["url"])
    assert links["next"]["url"].startswith(target.api_url)
    middle = target.http("GET", links["next"]["url"])
    assert set(middle.links) == {"prev", "next", "last", "first"}
    assert re.fullmatch(r'<[^>]+>; rel="prev", <[^>]+>; rel="next", <[^>]+>; rel="last", '
                        r'<[^>]+>; rel="first"', middle.headers["Link"])
    last = target.http("GET", middle.links["next"]["url"])
    assert set(last.links) == {"prev", "first"} and len(last.json()) == 1
    seen = [c["sha"] for r in (first, middle, last) for c in r.json()]
    assert len(set(seen)) == 5
    whole = target.http("GET", f"/repos/{repo}/commits")
    assert "Link" not in whole.headers
    assert [c["sha"] for c in whole.json()] == seen


@behaviour("GH-013", "every response carries x-ratelimit-limit/-remaining/-used/-reset/"
           "-resource; each request spends one; GET /rate_limit spends none",
           cite=f"{RATE_LIMITS}#checking-the-status-of-your-rate-limit")
def test_rate_limit_headers(target: Target) -> None:
    first = target.http("GET", "/user")
    for name in ("limit", "remaining", "used", "reset", "resource"):
        assert f"x-ratelimit-{name}" in first.headers
    assert first.headers["x-ratelimit-resource"] == "core"
    status = target.http("GET", "/rate_limit")
    assert status.status_code == 200
    core = status.json()["resources"]["core"]
    assert status.json()["rate"] == core
    again = target.http("GET", "/rate_limit").json()["resources"]["core"]
    assert again["used"] == core["used"]
    if target.capabilities.isolated_rate_limit:
        # x-ratelimit-used counts the request it answers.
        assert core["used"] == int(first.headers["x-ratelimit-used"])
        after = target.http("GET", "/user")
        assert int(after.headers["x-ratelimit-used"]) == core["used"] + 1
        assert int(after.headers["x-ratelimit-remaining"]) == \
            int(after.headers["x-ratelimit-limit"]) - core["used"] - 1


@behaviour("GH-014", "responses carry an ETag; If-None-Match with it answers 304 with no body, "
           "and a 304 does not count against the rate limit",
           cite=f"{BEST_PRACTICES}#use-conditional-requests-if-appropriate")
def test_conditional_requests(target: Target) -> None:
    repo = target.new_repo("etag")
    first = target.http("GET", f"/repos/{repo}/contents/README.md")
    etag = first.headers["ETag"]
    again = target.http("GET", f"/repos/{repo}/contents/README.md",
                        headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    if target.capabilities.isolated_rate_limit:
        assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]
    put_file(target, repo, "README.md", "changed\n",
             sha=first.json()["sha"])
    changed = target.http("GET", f"/repos/{repo}/contents/README.md",
                          headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@behaviour("GH-015", "the API is also served under /api/v3 of the same origin (GitHub "
           "Enterprise Server's prefix), and every URL in a response keeps that prefix",
           cite="https://docs.github.com/enterprise-server@latest/rest/quickstart")
def test_enterprise_prefix(target: Target) -> None:
    target.require("enterprise_prefix")
    repo = target.new_repo("prefix")
    base = target.api_url + "/api/v3"
    got = target.http("GET", f"/repos/{repo}", base=base)
    assert got.status_code == 200
    assert got.json()["url"] == f"{base}/repos/{repo}"
    assert got.json()["owner"]["url"].startswith(base + "/users/")
    readme = target.http("GET", f"/repos/{repo}/contents/README.md", base=base).json()
    assert readme["git_url"].startswith(base + f"/repos/{repo}/git/blobs/")
    assert target.http("GET", readme["git_url"]).status_code == 200


@behaviour("GH-016", "a documented operation the fake does not model answers 501 naming its "
           "operationId and documentation page; a path GitHub does not have is 404",
           cite=f"{DOCS}/releases/releases#list-releases (repos/list-releases)")
def test_unmodelled_is_loud(target: Target) -> None:
    target.require("unmodelled_501")
    repo = target.new_repo("loud")
    response = target.http("GET", f"/repos/{repo}/releases")
    body = assert_error(response, 501)
    assert "repos/list-releases" in body["message"]
    assert body["documentation_url"] == \
        "https://docs.github.com/rest/releases/releases#list-releases"
    assert_error(target.http("GET", "/no/such/api/path"), 404, "Not Found")
    if target.capabilities.enterprise_prefix:
        prefixed = target.http("GET", f"/repos/{repo}/releases",
                               base=target.api_url + "/api/v3")
        assert "repos/list-releases" in assert_error(prefixed, 501)["message"]


@behaviour("GH-017", "a secondary rate limit answers 403 with Retry-After and GitHub's message; "
           "a server error answers in GitHub's error body",
           cite=f"{RATE_LIMITS}#exceeding-the-rate-limit")
def test_secondary_rate_limit(target: Target) -> None:
    target.require("fault_injection")
    from fakes.faults import ProviderFault, Throttle

    repo = target.new_repo("secondary")
    target.inject(Throttle(retry_after=1), on="repos/get")
    limited = target.http("GET", f"/repos/{repo}")
    body = assert_error(limited, 403)
    assert "secondary rate limit" in body["message"]
    assert limited.headers["Retry-After"] == "1"
    assert target.http("GET", f"/repos/{repo}").status_code == 200
    target.inject(ProviderFault(status=502, message="Server Error"), on="repos/get")
    assert_error(target.http("GET", f"/repos/{repo}"), 502, "Server Error")


@behaviour("GH-018", "past the primary rate limit a request answers 403 'API rate limit "
           "exceeded for user ID <id>.' with x-ratelimit-remaining 0; GET /rate_limit still "
           "answers", cite=f"{RATE_LIMITS}#exceeding-the-rate-limit")
def test_primary_rate_limit(target: Target) -> None:
    me = target.http("GET", "/user").json()
    used = target.http("GET", "/rate_limit").json()["resources"]["core"]["used"]
    with target.rate_limit(used + 1):
        assert target.http("GET", "/user").status_code == 200
        refused = target.http("GET", "/user")
        assert_error(refused, 403, f"API rate limit exceeded for user ID {me['id']}.")
        assert refused.headers["x-ratelimit-remaining"] == "0"
        status = target.http("GET", "/rate_limit")
        assert status.status_code == 200
        assert status.json()["resources"]["core"]["remaining"] == 0


@behaviour("GH-019", "a request body without a field the operation needs answers 422 "
           "Validation Failed with errors[], and a JSON body that is not an object 400 "
           "'Problems parsing JSON'; nothing changes",
           cite=f"{USING}/troubleshooting-the-rest-api#422-unprocessable-entity")
def test_validation_failed(target: Target) -> None:
    repo = target.new_repo("invalid")
    refs = target.http("GET", f"/repos/{repo}/git/matching-refs/").json()
    for path, body in (("/git/blobs", {"encoding": "utf-8"}), ("/git/trees", {}),
                       ("/git/commits", {"tree": "0" * 40}), ("/git/refs", {"ref": "refs/x/y"}),
                       ("/git/refs", {"sha": "0" * 40})):
        response = target.http("POST", f"/repos/{repo}{path}", json=body)
        assert_error(response, 422, "Validation Failed")
        assert response.json()["errors"], response.text
    assert_error(target.http("PATCH", f"/repos/{repo}/git/refs/heads/main", json={}), 422,
                 "Validation Failed")
    no_message = target.http("PUT", f"/repos/{repo}/contents/a.txt", json={"content": "YQ=="})
    assert_error(no_message, 422, "Validation Failed")
    no_delete_message = target.http("DELETE", f"/repos/{repo}/contents/README.md", json={})
    assert_error(no_delete_message, 422, "Validation Failed")
    array = target.http("POST", f"/repos/{repo}/git/blobs", json=["content"])
    assert_error(array, 400, "Problems parsing JSON")
    assert target.http("GET", f"/repos/{repo}/git/matching-refs/").json() == refs


@behaviour("GH-080", "a request without a User-Agent header is refused with 403",
           cite=f"{USING}/getting-started-with-the-rest-api#user-agent")
def test_user_agent_required(target: Target) -> None:
    target.require("rest_api")  # asked with http.client, not through target.http
    # http.client sends no User-Agent of its own (requests and urllib3 always add one).
    url = urlsplit(target.api_url)
    connection = (http.client.HTTPSConnection if url.scheme == "https"
                  else http.client.HTTPConnection)(url.netloc, timeout=30)
    try:
        connection.request("GET", url.path + "/rate_limit",
                           headers={"Accept": "application/vnd.github+json"})
        response = connection.getresponse()
        body = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 403, body
    assert "User-Agent" in body["message"] and "documentation_url" in body
