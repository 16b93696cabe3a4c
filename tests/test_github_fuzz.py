"""Schema-driven fuzzing of every operation the GitHub fake models.

For each modelled operation (every route; their request schemas are in
``conformance/github/openapi-subset.json``, taken from GitHub's OpenAPI description), draw
path parameters (ones that exist in a seeded fake and ones that do not), query strings
and JSON bodies from the operation's schemas, plus hostile variants: values of the wrong
type, bad base64, oversized strings, ``..`` in paths, invalid ref names, bytes that are
no JSON. Send them over HTTP and check that the fake

- never answers 5xx (no fault is injected; 501 naming what is not modelled is the rule),
- answers 2xx JSON that validates against GitHub's schema of the operation and status,
- changes nothing when it answers 4xx (the journal and every repository's refs), and
  answers it in GitHub's error envelope (``message``, ``documentation_url``).

Each example starts from the same seeded state (a snapshot). Examples are derandomized
and their number per operation fixed, so the run is the same every time.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterator
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.conformance.github._schemas import check_response
from fakes.github import FakeGitHub

pytest.importorskip("jsonschema")

EXAMPLES = int(os.environ.get("FAKES_FUZZ_EXAMPLES", "10"))


@functools.cache
def _subset() -> dict[str, Any]:
    text = resources.files("fakes.conformance.github").joinpath("openapi-subset.json")
    document: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return document


OPERATIONS = sorted(_subset()["requests"])

# -- values -----------------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from([
    "..", "../../etc/passwd", "a/../../b", "%", "%2e%2e", "a" * 5000, "\u2603\u0000",
    " ", "null", "-1", "0", "refs/heads/..", "heads/a..b", "a.lock", "@{1}", "~^:",
    "//", "a//b", "\\", "'\"<>",
])
HOSTILE_VALUE = st.sampled_from([None, True, 0, -1, 2**63, 1.5, "", "x", [], {},
                                 ["x"], {"x": 1}, "a" * 70_000])


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _subset()["$defs"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def from_schema(schema: dict[str, Any], depth: int = 0,
                hints: dict[str, list[Any]] | None = None) -> st.SearchStrategy[Any]:
    """Values a JSON Schema (as the subset holds them) allows, roughly: enough to reach
    the fake's validation and its happy paths, not a full JSON Schema generator. A
    property named in ``hints`` is often one of the values given there (a sha, a branch
    that exists), so that requests get past "not found"."""
    schema = _resolve(schema)
    hints = hints or {}
    if depth > 3:
        return st.none()
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(s, depth + 1, hints) for s in schema[key]])
    if "allOf" in schema:
        return from_schema(schema["allOf"][0], depth + 1, hints)
    kinds = schema.get("type")
    if isinstance(kinds, list):
        return st.one_of([from_schema({**schema, "type": kind}, depth, hints)
                          for kind in kinds])
    if kinds == "string":
        if schema.get("format") == "date-time":
            return st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))
        return st.text(max_size=24)
    if kinds == "integer":
        return st.integers(-2, 100_000)
    if kinds == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kinds == "boolean":
        return st.booleans()
    if kinds == "null":
        return st.none()
    if kinds == "array":
        return st.lists(from_schema(schema.get("items", {}), depth + 1, hints), max_size=3)
    if kinds == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))

        def field(name: str, sub: dict[str, Any]) -> st.SearchStrategy[Any]:
            drawn = from_schema(sub, depth + 1, hints)
            if name in hints:
                return st.one_of(st.sampled_from(hints[name]), st.sampled_from(hints[name]),
                                 drawn)
            return drawn

        return st.fixed_dictionaries(
            {k: field(k, v) for k, v in properties.items() if k in required},
            optional={k: field(k, v) for k, v in properties.items() if k not in required})
    return st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))


# -- the seeded fake --------------------------------------------------------------------------


class World:
    """A fake with one of everything the operations name, and the ids to reach them."""

    def __init__(self) -> None:
        self.fake = FakeGitHub(rate_limit=1_000_000)
        fake = self.fake.start()
        self.token = fake.token_for("octocat", scopes=("repo", "delete_repo"))
        fake.create_org("vf-org", admins=["octocat"])
        fake.create_repo("octocat/app", files={"README.md": "# app\n", "dir/a.txt": "a\n"})
        fake.create_repo("vf-org/tools", files={"x.txt": "x\n"})
        fake.push("octocat/app", {"f.txt": "feature\n"}, branch="feature", actor="octocat")
        self.head = fake.branch_head("octocat/app", "main") or ""
        self.ids: dict[str, list[Any]] = {}
        pull = self.post("/repos/octocat/app/pulls",
                         {"title": "t", "head": "feature", "base": "main"})
        issue = self.post("/repos/octocat/app/issues", {"title": "i", "labels": ["bug"]})
        comment = self.post(f"/repos/octocat/app/issues/{issue['number']}/comments",
                            {"body": "c"})
        milestone = self.post("/repos/octocat/app/milestones", {"title": "m"})
        fake.push("octocat/app", {"g.txt": "guarded\n"}, branch="guarded", actor="octocat")
        guarded = requests.put(f"{fake.url}/repos/octocat/app/branches/guarded/protection",
                               headers=self.headers(), timeout=30, json={
                                   "required_status_checks": {"strict": True,
                                                              "contexts": ["ci"]},
                                   "enforce_admins": True,
                                   "required_pull_request_reviews": None,
                                   "restrictions": None})
        assert guarded.status_code == 200, guarded.text
        blob = self.post("/repos/octocat/app/git/blobs", {"content": "b"})
        tag = self.post("/repos/octocat/app/git/tags",
                        {"tag": "v1", "message": "m", "object": self.head, "type": "commit"})
        tree = self.get(f"/repos/octocat/app/git/commits/{self.head}")["tree"]["sha"]
        app = fake.app_installation_token("octocat/app")
        run = requests.post(f"{fake.url}/repos/octocat/app/check-runs", timeout=30,
                            headers={"Authorization": f"token {app}"},
                            json={"name": "ci", "head_sha": self.head}).json()
        review = self.post(f"/repos/octocat/app/pulls/{pull['number']}/reviews",
                           {"event": "COMMENT", "body": "r"})
        feature = fake.branch_head("octocat/app", "feature")
        self.hints: dict[str, list[Any]] = {
            "sha": [self.head, feature], "head_sha": [self.head, feature],
            "commit_id": [self.head], "object": [self.head], "tree": [tree],
            "base_tree": [tree], "parents": [[self.head], []],
            "branch": ["main", "feature", "new"], "head": ["feature", "octocat:feature"],
            "base": ["main"], "default_branch": ["feature"],
            "ref": ["refs/heads/new", "refs/heads/main", "refs/tags/t", "refs/heads/a..b"],
            "path": ["README.md", "new.txt", "dir/a.txt", "../x"],
            "content": ["aGVsbG8K", "hello", "!!not base64**"],
            "encoding": ["base64", "utf-8"], "contexts": [["ci"]], "labels": [["bug", "new"]],
            "assignees": [["octocat"], ["ghost"]], "reviewers": [["octocat"], ["ghost"]],
            "milestone": [milestone["number"], 99], "name": ["app", "ci", "new-name"],
            "title": ["a title"], "body": ["text"], "message": ["a message"],
            "event": ["APPROVE", "COMMENT", "REQUEST_CHANGES"], "state": ["closed", "open"],
            "url": ["https://hooks.invalid/y"], "events": [["push"], ["*"]],
        }
        self.ids = {
            "issue_number": [issue["number"], pull["number"]],
            "pull_number": [pull["number"], issue["number"]],
            "milestone_number": [milestone["number"]], "comment_id": [comment["id"]],
            "check_run_id": [run["id"]], "check_suite_id": [run["check_suite"]["id"]],
            "review_id": [review["id"]], "hook_id": [], "delivery_id": [],
            "owner": ["octocat", "vf-org"], "repo": ["app", "tools"],
            "org": ["vf-org"], "username": ["octocat", "vf-org"],
            "name": ["bug"], "branch": ["main", "feature", "guarded"],
            "ref": ["heads/main", "heads/feature", "main", f"tags/{tag['tag']}"],
            "path": ["README.md", "dir", "dir/a.txt", ""],
            "basehead": ["main...feature", "feature...main", f"{self.head}...feature"],
            "sha": [self.head, "main"], "commit_sha": [self.head],
            "tree_sha": [tree], "file_sha": [blob["sha"]], "tag_sha": [tag["sha"]],
        }
        self.app_token = app
        self.snapshot = fake.snapshot()

    def rehook(self) -> None:
        """A repository and an organization hook, and their deliveries: hooks are the
        adapter's, not in a snapshot, so each example that names one makes them again."""
        hook = self.post("/repos/octocat/app/hooks",
                         {"config": {"url": "https://hooks.invalid/x"}, "events": ["*"]})
        org_hook = self.post("/orgs/vf-org/hooks",
                             {"name": "web", "config": {"url": "https://hooks.invalid/o"}})
        delivery = self.get(f"/repos/octocat/app/hooks/{hook['id']}/deliveries")
        self.ids["hook_id"] = [hook["id"], org_hook["id"]]
        self.ids["delivery_id"] = [d["id"] for d in delivery][:1]

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"token {token or self.token}",
                "Accept": "application/vnd.github+json"}

    def get(self, path: str) -> Any:
        response = requests.get(self.fake.url + path, headers=self.headers(), timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = requests.post(self.fake.url + path, json=body, headers=self.headers(),
                                 timeout=30)
        assert response.status_code in (200, 201), (path, response.text)
        return response.json()

    def fingerprint(self) -> tuple[int, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]]:
        """What a refused request must not change: the journal and every ref."""
        store = self.fake.store
        with store.lock:
            refs = tuple(sorted((name, tuple(sorted(repo.git.refs().items())))
                                for name, repo in store.repos.items()))
        return self.fake.journal.last, refs


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    made = World()
    yield made
    made.fake.stop()


# -- requests ---------------------------------------------------------------------------------

_SLASHES = ("path", "ref", "branch", "basehead")


def _parameter(world: World, name: str, schema: dict[str, Any], existing: bool
               ) -> st.SearchStrategy[Any]:
    """A path parameter: most often one that exists (``existing``: always, the repository
    octocat/app), else one that does not, a hostile one or one from the schema."""
    known = world.ids.get(name, [])
    if existing and known:
        return st.just("octocat" if name == "owner" else "app") if name in ("owner", "repo") \
            else st.sampled_from(known)
    missing: list[Any] = [999_999, "nope"] if name not in _SLASHES else ["nope/missing"]
    choices = [st.sampled_from(known)] if known else []
    return st.one_of(*choices, *choices, st.sampled_from(missing), HOSTILE_TEXT,
                     from_schema(schema))


@st.composite
def _body(draw: st.DrawFn, schema: dict[str, Any] | None, hints: dict[str, list[Any]]
          ) -> bytes | None:
    """A JSON body from the schema, one of its fields made hostile, or no JSON at all."""
    kind = draw(st.sampled_from(["schema", "schema", "hostile", "broken"]))
    if kind == "broken":
        return draw(st.sampled_from([b"{", b"[1,", b"\xff\xfe", b"null", b"[]", b"\"x\"",
                                     b"{\"a\": NaN}"]))
    if schema is None:
        return None if kind == "schema" else json.dumps({"x": draw(HOSTILE_VALUE)}).encode()
    value = draw(from_schema(schema, hints=hints))
    if kind == "hostile" and isinstance(value, dict):
        properties = sorted(_resolve(schema).get("properties", {})) or ["x"]
        field = draw(st.sampled_from(properties))
        value[field] = draw(st.one_of(HOSTILE_VALUE, HOSTILE_TEXT,
                                      st.just("!!not base64**")))
    return json.dumps(value).encode()


@st.composite
def _request(draw: st.DrawFn, world: World, operation: str) -> tuple[str, str, bytes | None]:
    spec = _subset()["requests"][operation]
    path = spec["path"]
    query: dict[str, str] = {}
    existing = draw(st.integers(0, 9)) < 7
    for parameter in spec["parameters"]:
        name, schema = parameter["name"], parameter["schema"]
        if parameter["in"] == "path":
            value = draw(_parameter(world, name, schema, existing))
            text = json.dumps(value) if not isinstance(value, str) else value
            path = path.replace("{" + name + "}", quote(text, safe="/" if name in _SLASHES
                                                        else ""))
        elif draw(st.booleans()):
            value = draw(st.one_of(from_schema(schema, hints=world.hints), HOSTILE_TEXT))
            query[name] = value if isinstance(value, str) else json.dumps(value)
    if query:
        path += "?" + urlencode(query)
    return spec["method"], path, draw(_body(spec["body"], world.hints))


def _not_modelled(response: requests.Response) -> bool:
    try:
        message = str(response.json().get("message", ""))
    except ValueError:
        return False
    return "not modelled" in message


@pytest.mark.parametrize("operation", OPERATIONS)
def test_no_input_breaks_the_fake(world: World, operation: str) -> None:
    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        world.fake.reset(world.snapshot)
        if "{hook_id}" in _subset()["requests"][operation]["path"]:
            world.rehook()
        method, path, body = data.draw(_request(world, operation))
        before = world.fingerprint()
        # Only a GitHub App's installation token writes check runs.
        headers = world.headers(world.app_token if operation.startswith("checks/") else None)
        if body is not None:
            headers["Content-Type"] = "application/json"
        response = requests.request(method, world.fake.url + path, data=body, headers=headers,
                                    timeout=30, allow_redirects=False)
        shown = f"{method} {path} {body[:200] if body else body!r} -> " \
                f"{response.status_code} {response.text[:300]}"
        assert response.status_code < 500 or (response.status_code == 501 and
                                              _not_modelled(response)), shown
        if 200 <= response.status_code < 300:
            check_response(response)
        if 400 <= response.status_code < 500:
            assert world.fingerprint() == before, f"a refusal changed state: {shown}"
            # GitHub's error envelope (docs.github.com/rest/using-the-rest-api/
            # troubleshooting-the-rest-api): a message and where the docs are.
            refusal = response.json()
            assert isinstance(refusal.get("message"), str), shown
            assert "documentation_url" in refusal, shown

    one()
