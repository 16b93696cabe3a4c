"""Reliability of the artifact fake: concurrent writers lose nothing, no input
makes it answer 5xx, and refused input leaves the state as it was.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import threading
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import attrs
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.artifacts import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    Account,
    FakeRegistry,
    RegistryError,
)

CONFIG_TYPE = "application/vnd.oci.image.config.v1+json"
LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar"
MEDIA_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST]


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(data: bytes, media_type: str) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": sha256(data), "size": len(data)}


def image_doc(config: bytes, *layers: bytes, **extra: Any) -> dict[str, Any]:
    return {
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor(config, CONFIG_TYPE),
        "layers": [descriptor(layer, LAYER_TYPE) for layer in layers],
        **extra,
    }


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


def repository_state(fake: FakeRegistry) -> dict[str, dict[str, str]]:
    """Repositories and where each of their tags points, via the inspection API."""
    return {
        repo: {tag: fake.manifest(repo, tag).digest for tag in fake.tags(repo)}
        for repo in fake.repositories()
    }


# -- (a) concurrent writers ------------------------------------------------------------------

REPO = "shared/repo"
THREADS = 8
SHARED_LAYERS = [b"shared layer %d" % k for k in range(4)]


@attrs.define
class Outcome:
    """What one writer was told: 201s for blobs and manifests, tags it set."""

    blobs: dict[str, bytes] = attrs.field(factory=dict)
    manifests: dict[str, bytes] = attrs.field(factory=dict)
    tags: list[tuple[str, str]] = attrs.field(factory=list)
    unexpected: list[str] = attrs.field(factory=list)


def _push_blob(session: requests.Session, base: str, data: bytes, style: int) -> int:
    digest = sha256(data)
    if style == 0:  # a single request
        return session.post(f"{base}/blobs/uploads/", params={"digest": digest},
                            data=data).status_code
    start = session.post(f"{base}/blobs/uploads/")
    if start.status_code != 202:
        return start.status_code
    location = start.headers["Location"]
    if style == 2:  # chunked: two PATCHes with Content-Range, then an empty PUT
        half = len(data) // 2
        for offset, piece in ((0, data[:half]), (half, data[half:])):
            patch = session.patch(location, data=piece, headers={
                "Content-Range": f"{offset}-{offset + len(piece) - 1}",
                "Content-Type": "application/octet-stream"})
            if patch.status_code != 202:
                return patch.status_code
            location = patch.headers["Location"]
        return session.put(location, params={"digest": digest}).status_code
    return session.put(location, params={"digest": digest}, data=data).status_code


def _writer(index: int, base: str, barrier: threading.Barrier, outcome: Outcome) -> None:
    with requests.Session() as session:
        barrier.wait()
        own = [b'{"writer":%d,"n":%d}' % (index, k) for k in range(3)]
        for n, data in enumerate([*SHARED_LAYERS, *own]):
            status = _push_blob(session, base, data, (index + n) % 3)
            if status == 201:
                outcome.blobs[sha256(data)] = data
            else:
                outcome.unexpected.append(f"blob {status}")
        for k, config in enumerate(own):
            content = encode(image_doc(config, SHARED_LAYERS[(index + k) % 4]))
            for ref in (f"w{index}-{k}", "latest", f"slot{k}", sha256(content)):
                r = session.put(f"{base}/manifests/{ref}", data=content,
                                headers={"Content-Type": OCI_MANIFEST})
                if r.status_code != 201:
                    outcome.unexpected.append(f"manifest {ref} {r.status_code}")
                    continue
                assert r.headers["Docker-Content-Digest"] == sha256(content)
                outcome.manifests[sha256(content)] = content
                if ":" not in ref:
                    outcome.tags.append((ref, sha256(content)))


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_writers_lose_nothing(fake_registry: FakeRegistry, round_: int) -> None:
    base = f"{fake_registry.url}/v2/{REPO}"
    barrier = threading.Barrier(THREADS)
    outcomes = [Outcome() for _ in range(THREADS)]
    threads = [threading.Thread(target=_writer, args=(i, base, barrier, outcomes[i]))
               for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert [o.unexpected for o in outcomes] == [[]] * THREADS

    blobs = {d: b for o in outcomes for d, b in o.blobs.items()}
    manifests = {d: m for o in outcomes for d, m in o.manifests.items()}
    told: dict[str, set[str]] = defaultdict(set)
    for o in outcomes:
        for tag, digest in o.tags:
            told[tag].add(digest)
    assert len(blobs) == len(SHARED_LAYERS) + 3 * THREADS

    with requests.Session() as reader:
        for digest, data in blobs.items():
            r = reader.get(f"{base}/blobs/{digest}")
            assert (r.status_code, r.content) == (200, data)
        for digest, content in manifests.items():
            r = reader.get(f"{base}/manifests/{digest}", headers={"Accept": OCI_MANIFEST})
            assert (r.status_code, r.content) == (200, content)
    assert set(fake_registry.tags(REPO)) == set(told)
    for tag, digests in told.items():
        assert fake_registry.manifest(REPO, tag).digest in digests, tag

    journal = fake_registry.journal
    pushed = Counter(c.resource for c in journal.changes(operation="blob.push"))
    assert pushed == Counter({f"{REPO}@{d}": 1 for d in blobs})
    stored = Counter(c.resource for c in journal.changes(operation="manifest.push"))
    assert stored == Counter({f"{REPO}@{d}": 1 for d in manifests})
    # the journal's order agrees with the final state: the last tag.set of a tag wins
    last_set = {c.resource: c.detail["digest"] for c in journal.changes(operation="tag.set")}
    assert last_set == {f"{REPO}:{t}": fake_registry.manifest(REPO, t).digest for t in told}
    seqs = [c.seq for c in journal]  # consecutive: no change lost or numbered twice
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))


def test_concurrent_identical_pushes_journal_once(fake_registry: FakeRegistry) -> None:
    """Many writers racing to push the same blob and manifest: one change each."""
    base = f"{fake_registry.url}/v2/{REPO}"
    config, layer = b'{"same":true}', b"same layer"
    content = encode(image_doc(config, layer))
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []

    def push(style: int) -> None:
        with requests.Session() as session:
            barrier.wait()
            statuses.append(_push_blob(session, base, config, style))
            statuses.append(_push_blob(session, base, layer, style + 1))
            statuses.append(session.put(f"{base}/manifests/v1", data=content,
                                        headers={"Content-Type": OCI_MANIFEST}).status_code)

    threads = [threading.Thread(target=push, args=(i % 3,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [201] * (3 * THREADS)
    assert Counter(c.operation for c in fake_registry.journal) == Counter(
        {"blob.push": 2, "manifest.push": 1, "tag.set": 1})


# -- (b) fuzzing the wire adapter ------------------------------------------------------------

CONFIG = b'{"architecture":"amd64","os":"linux"}'
LAYER = b"a layer of bytes"
MANIFEST_DOC = image_doc(CONFIG, LAYER)
MANIFEST = encode(MANIFEST_DOC)
REFERRER_DOC = image_doc(CONFIG, artifactType="application/vnd.example.sig",
                         subject=descriptor(MANIFEST, OCI_MANIFEST))
REFERRER = encode(REFERRER_DOC)
INDEX_DOC = {"schemaVersion": 2, "mediaType": OCI_INDEX,
             "manifests": [descriptor(MANIFEST, OCI_MANIFEST)]}
KNOWN_DIGESTS = [sha256(CONFIG), sha256(LAYER), sha256(MANIFEST), sha256(REFERRER)]
PASSWORD = "pw"
ACCOUNT = Account("ci", PASSWORD, pull=("*",), push=("app", "new*"), delete=("app",))

VALID_NAMES = ["app", "locked", "new/repo", "a/b/c", "x" * 255]
INVALID_NAMES = ["App", "-app", "app-", "a//b", "a..b", "a___b", "x" * 256, "é", "a b", "_"]
MALFORMED_DIGESTS = [
    "sha256:", "sha256:abc", "sha256:" + "G" * 64, "sha256:" + "A" * 64, "md5:" + "a" * 32,
    "sha512:" + "a" * 64, "sha256" + "a" * 64, ":", "sha256::" + "a" * 64, "SHA256:" + "a" * 64,
]

text = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters="\x7f"),
    max_size=24,
)
header_text = st.text(
    # latin-1 without whitespace (requests refuses header values that start with it)
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0xFF,
                           exclude_characters="\x7f\x85\xa0"),
    min_size=1, max_size=40,
)
digests = st.one_of(
    st.sampled_from(KNOWN_DIGESTS),
    st.binary(max_size=8).map(sha256),
    st.binary(max_size=8).map(lambda b: "sha512:" + hashlib.sha512(b).hexdigest()),
    st.sampled_from(MALFORMED_DIGESTS),
    text,
)
names = st.one_of(st.sampled_from(VALID_NAMES), st.sampled_from(INVALID_NAMES),
                  st.from_regex(r"[a-z0-9._/-]{1,20}", fullmatch=True), text)
references = st.one_of(
    st.sampled_from(["v1", "latest", "nope", "V1.0_rc-1", "-x", ".x", "a" * 129]),
    st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,20}", fullmatch=True),
    digests,
)
uploads = st.sampled_from(["{upload}", "{upload}", str(uuid.uuid4()), "not-an-upload"])
numbers = st.one_of(st.integers(-5, 10**20).map(str), st.sampled_from(["", "x", "²", "1.5"]))
query_values = {
    "digest": digests, "mount": digests, "from": names, "n": numbers, "last": references,
    "artifactType": st.one_of(st.just("application/vnd.example.sig"), text),
    "scope": st.one_of(st.builds("repository:{}:{}".format, names,
                                 st.sampled_from(["pull", "push", "pull,push", "*", "delete"])),
                       text),
}
queries = st.lists(
    st.one_of(st.sampled_from(sorted(query_values)).flatmap(
        lambda key: st.tuples(st.just(key), query_values[key])),
        st.tuples(text, text)),
    max_size=3,
)
paths = st.one_of(
    st.sampled_from(["/v2/", "/v2", "/token", "/v2/_catalog", "/", "/v2/app"]),
    st.builds("/v2/{}/blobs/{}".format, names, digests),
    st.builds("/v2/{}/blobs/uploads/".format, names),
    st.builds("/v2/{}/blobs/uploads/{}".format, names, uploads),
    st.builds("/v2/{}/manifests/{}".format, names, references),
    st.builds("/v2/{}/tags/list".format, names),
    st.builds("/v2/{}/referrers/{}".format, names, digests),
    st.builds("/{}".format, text),
)


def _mutate(document: dict[str, Any], changes: list[tuple[str, Any]]) -> bytes:
    doc = json.loads(json.dumps(document))
    for key, value in changes:
        target, _, field = key.rpartition(".")
        holder = doc
        if target == "config":
            holder = doc.get("config") if isinstance(doc.get("config"), dict) else doc
        elif target == "layers":
            layers = doc.get("layers")
            holder = layers[0] if isinstance(layers, list) and layers and isinstance(
                layers[0], dict) else doc
        if value is _DROP:
            holder.pop(field, None)
        else:
            holder[field] = value
    return encode(doc)


_DROP = object()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
near_manifests = st.builds(
    _mutate,
    st.sampled_from([MANIFEST_DOC, REFERRER_DOC, INDEX_DOC]),
    st.lists(st.tuples(
        st.sampled_from(["mediaType", "schemaVersion", "config", "layers", "subject",
                         "artifactType", "annotations", "manifests", "config.digest",
                         "config.size", "config.mediaType", "layers.digest", "layers.size"]),
        st.one_of(st.just(_DROP), st.sampled_from(MEDIA_TYPES), digests, json_values),
    ), max_size=3),
)
bodies = st.one_of(
    st.none(), st.binary(max_size=64), json_values.map(encode), near_manifests,
    st.sampled_from([MANIFEST, REFERRER, encode(INDEX_DOC), CONFIG, LAYER, b""]),
)
authorizations = st.one_of(
    st.sampled_from(["{token}", "{token}", "{basic}", "Bearer nope", "Bearer ", "Basic",
                     "Basic !!!", "Basic " + base64.b64encode(b"ci:wrong").decode(),
                     "Basic " + base64.b64encode(b"\xff\xfe").decode(), "Basic éé"]),
    st.builds("Bearer {}".format, header_text),
    st.builds("Basic {}".format, header_text),
    header_text,
)
headers = st.fixed_dictionaries({}, optional={
    "Content-Type": st.one_of(st.sampled_from([*MEDIA_TYPES, "application/octet-stream",
                                               "application/json", f"{OCI_MANIFEST}; x=y"]),
                              header_text),
    "Content-Range": st.one_of(
        st.builds("{}-{}".format, st.integers(0, 100), st.integers(0, 100)),
        st.builds("bytes {}-{}/*".format, st.integers(0, 10**20), st.integers(0, 10**20)),
        header_text),
    "Range": st.one_of(
        st.builds("bytes={}-{}".format, st.integers(0, 40).map(str) | st.just(""),
                  st.integers(0, 40).map(str) | st.just("")),
        header_text),
    "Accept": st.one_of(st.lists(st.sampled_from([*MEDIA_TYPES, "*/*", "text/plain"]),
                                 max_size=3).map(", ".join), header_text),
    "Authorization": authorizations,
})
methods = st.sampled_from(["GET", "HEAD", "PUT", "POST", "PATCH", "DELETE"])


@attrs.frozen
class Req:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes | None
    chunked: bool = False  # send the body with Transfer-Encoding: chunked


requests_ = st.builds(Req, methods, paths, queries, headers, bodies, st.booleans())


@attrs.define
class Seeded:
    upload: str
    token: str | None
    basic: str


def seed(fake: FakeRegistry, session: requests.Session) -> Seeded:
    """Reset, then stage a little of everything for requests to hit."""
    fake.reset()
    for blob in (CONFIG, LAYER):
        fake.push_blob("app", blob)
    fake.push_manifest("app", MANIFEST, tag="v1")
    fake.push_manifest("app", REFERRER, tag="sig")
    fake.push_manifest("app", encode(INDEX_DOC), tag="all")
    fake.configure_repository("locked", immutable_tags=True, deletion_enabled=False)
    fake.push_blob("locked", CONFIG)
    fake.push_blob("locked", LAYER)
    fake.push_manifest("locked", MANIFEST, tag="v1")
    upload = fake.store.start_upload("app").id
    basic = "Basic " + base64.b64encode(f"{ACCOUNT.username}:{PASSWORD}".encode()).decode()
    token = None
    if fake.tokens.enabled:
        r = session.get(f"{fake.url}/token", headers={"Authorization": basic}, params={
            "scope": ["repository:app:pull,push,delete", "repository:locked:*"]})
        token = r.json()["token"]
    return Seeded(upload, token, basic)


def send(session: requests.Session, fake: FakeRegistry, req: Req,
         seeded: Seeded) -> requests.Response:
    path = req.path.replace("{upload}", seeded.upload)
    headers = dict(req.headers)
    if "Authorization" in headers:
        value = headers["Authorization"]
        value = value.replace("{token}", f"Bearer {seeded.token}" if seeded.token else "")
        headers["Authorization"] = value.replace("{basic}", seeded.basic) or "Bearer x"
    url = fake.url + quote(path, safe="/:@!$&'()*+,;=-._~")
    body: Any = req.body
    if req.chunked and body is not None:
        body = iter([body[: len(body) // 2], body[len(body) // 2 :]])
    return session.request(req.method, url, params=req.query, headers=headers, data=body,
                           timeout=10, allow_redirects=False)


def check(response: requests.Response, req: Req) -> None:
    """No 5xx but the 501 for what is not modelled, and errors in the OCI envelope."""
    status = response.status_code
    described = f"{req.method} {response.request.url} -> {status} {response.text[:300]}"
    if status >= 400 and req.method != "HEAD":
        document = response.json()
        assert isinstance(document.get("errors"), list) and document["errors"], described
        codes = [e["code"] for e in document["errors"]]
        assert status != 501 or codes == ["UNSUPPORTED"], described
    assert status < 500 or status == 501, described
    if status == 401 and response.request.path_url.startswith("/v2"):
        assert response.headers["WWW-Authenticate"].startswith("Bearer realm="), described


def run_example(fake: FakeRegistry, session: requests.Session, batch: list[Req]) -> None:
    seeded = seed(fake, session)
    for req in batch:
        before = (repository_state(fake), len(fake.journal))
        response = send(session, fake, req, seeded)
        check(response, req)
        if response.status_code >= 400:  # a refused request changes nothing
            after = (repository_state(fake), len(fake.journal))
            assert after == before, f"{req} -> {response.status_code} changed state"


FUZZ = settings(max_examples=300, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as s:
        yield s


@pytest.fixture(scope="module")
def private_registry() -> Iterator[FakeRegistry]:
    with FakeRegistry(accounts=[ACCOUNT], anonymous_pull=False) as fake:
        yield fake


@FUZZ
@given(batch=st.lists(requests_, min_size=1, max_size=3))
def test_fuzz_no_5xx(fake_registry_server: FakeRegistry, session: requests.Session,
                     batch: list[Req]) -> None:
    run_example(fake_registry_server, session, batch)


@FUZZ
@given(batch=st.lists(requests_, min_size=1, max_size=3))
def test_fuzz_no_5xx_with_accounts(private_registry: FakeRegistry, session: requests.Session,
                                   batch: list[Req]) -> None:
    run_example(private_registry, session, batch)


# Inputs the fuzzer found to crash the fake, kept as plain regression tests.


def test_manifest_with_non_string_media_type_and_no_content_type(
    fake_registry: FakeRegistry,
) -> None:
    fake_registry.push_blob("app", CONFIG)
    body = encode({**image_doc(CONFIG), "mediaType": [OCI_MANIFEST]})
    r = requests.put(f"{fake_registry.url}/v2/app/manifests/v1", data=body)
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["code"] == "MANIFEST_INVALID"


def test_tag_list_n_with_a_unicode_digit(fake_registry: FakeRegistry) -> None:
    fake_registry.push_blob("app", CONFIG)
    fake_registry.push_blob("app", LAYER)
    fake_registry.push_manifest("app", MANIFEST, tag="v1")
    r = requests.get(f"{fake_registry.url}/v2/app/tags/list", params={"n": "²"})
    assert r.status_code == 400, r.text
    assert r.json()["errors"][0]["code"] == "PAGINATION_NUMBER_INVALID"


def test_token_with_non_ascii_basic_credentials(
    fake_registry_factory: Any,
) -> None:
    fake = fake_registry_factory(accounts=[ACCOUNT])
    r = requests.get(f"{fake.url}/token", headers={"Authorization": "Basic éé"})
    assert r.status_code == 401, r.text
    assert r.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_an_account_with_a_non_ascii_password_can_log_in(fake_registry_factory: Any) -> None:
    fake = fake_registry_factory(accounts=[Account("ü", "pässwörd", pull=("*",))])
    good = requests.get(f"{fake.url}/token", auth=("ü".encode(), "pässwörd".encode()))
    assert good.status_code == 200 and good.json()["token"]
    bad = requests.get(f"{fake.url}/token", auth=("ü".encode(), b"passwort"))
    assert bad.status_code == 401 and bad.json()["errors"][0]["code"] == "UNAUTHORIZED"


HUGE = "9" * 5000  # past Python's limit on converting digit strings


def test_numbers_too_long_to_convert_get_the_registry_answer(fake_registry: FakeRegistry) -> None:
    digest = fake_registry.push_blob("app", LAYER)
    fake_registry.push_blob("app", CONFIG)
    fake_registry.push_manifest("app", MANIFEST, tag="v1")
    tags = requests.get(f"{fake_registry.url}/v2/app/tags/list", params={"n": HUGE})
    assert (tags.status_code, tags.json()["tags"]) == (200, ["v1"])  # n is only a maximum
    for wanted in (f"bytes={HUGE}-", f"bytes=0-{HUGE}", f"bytes=-{HUGE}"):
        ranged = requests.get(f"{fake_registry.url}/v2/app/blobs/{digest}",
                              headers={"Range": wanted})
        assert ranged.status_code in (206, 416), (wanted, ranged.text)
        if ranged.status_code == 206:
            assert ranged.content == LAYER  # the whole blob is in any range that long
    upload = requests.post(f"{fake_registry.url}/v2/app/blobs/uploads/")
    mark = fake_registry.journal.mark()
    chunk = requests.patch(upload.headers["Location"], data=b"x",
                           headers={"Content-Range": f"{HUGE}-{HUGE}"})
    assert chunk.status_code == 416, chunk.text
    assert fake_registry.journal.since(mark) == []


def test_challenge_for_a_non_latin1_repository_name(fake_registry_factory: Any) -> None:
    """With auth on, a request for ``/v2/Ā/tags/list`` must still get an answer.

    The challenge repeats the (not yet validated) name in ``WWW-Authenticate``;
    a header that is not latin-1 cannot be written and the connection is dropped.
    """
    fake = fake_registry_factory(accounts=[ACCOUNT])
    r = requests.get(f"{fake.url}/v2/%C4%80/tags/list")
    assert r.status_code in (400, 401, 404), r.text
    assert r.json()["errors"][0]["code"] in ("NAME_INVALID", "UNAUTHORIZED", "NAME_UNKNOWN")


def _token_for(fake: FakeRegistry, account: Account, *scopes: str) -> dict[str, str]:
    r = requests.get(f"{fake.url}/token", params={"scope": list(scopes)},
                     auth=(account.username, account.password))
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_mount_auth_edges(fake_registry_factory: Any) -> None:
    """Pull on ``from`` is part of what a mount needs: never asked for → a challenge naming
    it; asked for and refused → the spec's fallback, an upload session (202); a ``from``
    that is no repository name is never echoed and mounts nothing."""
    private = Account("private", "pw", pull=("secret",), push=("secret",))
    mover = Account("mover", "pw", pull=("app",), push=("app",))
    fake = fake_registry_factory(accounts=[private, mover])
    digest = fake.push_blob("secret", b"private layer")
    url = f"{fake.url}/v2/app/blobs/uploads/"

    asked = _token_for(fake, mover, "repository:app:pull,push", "repository:secret:pull")
    r = requests.post(url, params={"mount": digest, "from": "secret"}, headers=asked)
    assert r.status_code == 202, r.text  # refused pull on the source: no mount, a session
    with pytest.raises(RegistryError):  # NAME_UNKNOWN or BLOB_UNKNOWN: nothing mounted
        fake.blob("app", digest)

    not_asked = _token_for(fake, mover, "repository:app:pull,push")
    r = requests.post(url, params={"mount": digest, "from": "secret"}, headers=not_asked)
    assert r.status_code == 401
    assert 'scope="repository:app:pull,push repository:secret:pull"' in \
        r.headers["WWW-Authenticate"]

    for bad in ('x" ,realm="elsewhere', "Upper"):
        r = requests.post(url, params={"mount": digest, "from": bad}, headers=not_asked)
        assert r.status_code == 202, r.text
        r = requests.post(url, params={"mount": digest, "from": bad})
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].endswith('scope="repository:app:pull,push"')


def _exchange(fake: FakeRegistry, request: bytes) -> bytes:
    """Send raw bytes, read until the server closes the connection."""
    host, port = fake.host.rsplit(":", 1)
    received = b""
    with socket.create_connection((host, int(port)), timeout=2) as conn:
        conn.sendall(request)
        with contextlib.suppress(TimeoutError):
            while chunk := conn.recv(65536):
                received += chunk
    return received


@pytest.mark.parametrize("method", ["PUT /v2/app/manifests/v1", "GET /v2/"])
def test_malformed_chunked_body_gets_a_400(fake_registry: FakeRegistry, method: str) -> None:
    """A chunk size that is not hex is a client error, answered, not a dropped connection."""
    request = (f"{method} HTTP/1.1\r\nHost: {fake_registry.host}\r\n"
               f"Content-Type: {OCI_MANIFEST}\r\nTransfer-Encoding: chunked\r\n"
               "Connection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n").encode()
    answer = _exchange(fake_registry, request)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert fake_registry.repositories() == []


# -- (c) refused input changes nothing -------------------------------------------------------


def _staged(fake: FakeRegistry) -> None:
    for blob in (CONFIG, LAYER):
        fake.push_blob("app", blob)
    fake.push_manifest("app", MANIFEST, tag="v1")
    fake.configure_repository("locked", immutable_tags=True, deletion_enabled=False)
    fake.push_blob("locked", CONFIG)
    fake.push_blob("locked", LAYER)
    fake.push_manifest("locked", MANIFEST, tag="v1")


def _full_state(fake: FakeRegistry) -> Any:
    snapshot = fake.store.snapshot()
    blobs = {(repo, d): bytes(snapshot.blob(repo, d))
             for repo in snapshot.repositories() for d in KNOWN_DIGESTS[:2]
             if _has_blob(snapshot, repo, d)}
    manifests = {(repo, d): snapshot.manifest(repo, d).content
                 for repo in snapshot.repositories() for d in KNOWN_DIGESTS[2:]
                 if _has_manifest(snapshot, repo, d)}
    return repository_state(fake), blobs, manifests, list(fake.journal)


def _has_blob(store: Any, repo: str, digest: str) -> bool:
    try:
        store.blob(repo, digest)
    except Exception:
        return False
    return True


def _has_manifest(store: Any, repo: str, digest: str) -> bool:
    try:
        store.manifest(repo, digest)
    except Exception:
        return False
    return True


BAD_REQUESTS: list[tuple[str, str, dict[str, Any], int, str]] = [
    ("PUT", "/v2/app/manifests/v2", {"data": b"{not json", "headers": {
        "Content-Type": OCI_MANIFEST}}, 400, "MANIFEST_INVALID"),
    ("PUT", "/v2/app/manifests/v1", {"data": MANIFEST, "headers": {
        "Content-Type": OCI_INDEX}}, 400, "MANIFEST_INVALID"),
    ("PUT", "/v2/App/manifests/v1", {"data": MANIFEST, "headers": {
        "Content-Type": OCI_MANIFEST}}, 400, "NAME_INVALID"),
    ("PUT", "/v2/app/manifests/-bad", {"data": MANIFEST, "headers": {
        "Content-Type": OCI_MANIFEST}}, 400, "TAG_INVALID"),
    ("PUT", "/v2/app/manifests/v1", {"data": encode(image_doc(b"missing")), "headers": {
        "Content-Type": OCI_MANIFEST}}, 400, "MANIFEST_BLOB_UNKNOWN"),
    ("PUT", "/v2/fresh/manifests/v1", {"data": MANIFEST, "headers": {
        "Content-Type": OCI_MANIFEST}}, 400, "MANIFEST_BLOB_UNKNOWN"),
    ("PUT", f"/v2/app/manifests/{sha256(b'other')}", {"data": MANIFEST, "headers": {
        "Content-Type": OCI_MANIFEST}}, 400, "DIGEST_INVALID"),
    ("PUT", "/v2/locked/manifests/v1", {"data": MANIFEST, "headers": {
        "Content-Type": OCI_MANIFEST}}, 400, "TAG_INVALID"),
    ("PUT", "/v2/app/manifests/big", {"data": b" " * (4 * 1024 * 1024 + 1), "headers": {
        "Content-Type": OCI_MANIFEST}}, 413, "SIZE_INVALID"),
    ("POST", "/v2/fresh/blobs/uploads/", {"params": {"digest": sha256(b"x")}, "data": b"y"},
     400, "DIGEST_INVALID"),
    ("POST", "/v2/fresh/blobs/uploads/", {"params": {"digest": "sha256:zz"}, "data": b"y"},
     400, "DIGEST_INVALID"),
    ("DELETE", "/v2/locked/manifests/v1", {}, 405, "UNSUPPORTED"),
    ("DELETE", f"/v2/locked/blobs/{sha256(CONFIG)}", {}, 405, "UNSUPPORTED"),
    ("DELETE", "/v2/app/manifests/nope", {}, 404, "MANIFEST_UNKNOWN"),
    ("DELETE", f"/v2/app/blobs/{sha256(b'nope')}", {}, 404, "BLOB_UNKNOWN"),
    ("DELETE", "/v2/fresh/manifests/v1", {}, 404, "NAME_UNKNOWN"),
    ("GET", "/v2/app/tags/list", {"params": {"n": "abc"}}, 400, "PAGINATION_NUMBER_INVALID"),
    ("GET", "/v2/_catalog", {}, 501, "UNSUPPORTED"),
]


@pytest.mark.parametrize(("method", "path", "options", "status", "code"), BAD_REQUESTS,
                         ids=[f"{m} {p} {c}" for m, p, _, _, c in BAD_REQUESTS])
def test_refused_requests_change_nothing(
    fake_registry: FakeRegistry, method: str, path: str, options: dict[str, Any], status: int,
    code: str,
) -> None:
    _staged(fake_registry)
    before = _full_state(fake_registry)
    r = requests.request(method, fake_registry.url + path, **options)
    assert (r.status_code, [e["code"] for e in r.json()["errors"]]) == (status, [code])
    assert _full_state(fake_registry) == before


def test_refused_upload_steps_change_nothing(fake_registry: FakeRegistry) -> None:
    _staged(fake_registry)
    before = _full_state(fake_registry)
    with requests.Session() as http:
        start = http.post(f"{fake_registry.url}/v2/fresh/blobs/uploads/")
        assert start.status_code == 202
        location = start.headers["Location"]
        r = http.patch(location, data=b"abc", headers={"Content-Range": "5-7"})
        assert (r.status_code, r.headers["Range"]) == (416, "0-0")
        assert r.json()["errors"][0]["code"] == "BLOB_UPLOAD_INVALID"
        r = http.put(location, params={"digest": sha256(b"abc")}, data=b"abc",
                     headers={"Content-Range": "5-7"})  # a closing chunk out of order too
        assert (r.status_code, r.headers["Range"]) == (416, "0-0")
        r = http.put(location, params={"digest": sha256(b"other")}, data=b"abc")
        assert r.json()["errors"][0]["code"] == "DIGEST_INVALID"
        r = http.put(location, data=b"abc")  # no digest at all
        assert r.json()["errors"][0]["code"] == "DIGEST_INVALID"
        # a mount from a repository without the blob falls back to a new session
        r = http.post(f"{fake_registry.url}/v2/fresh/blobs/uploads/",
                      params={"mount": sha256(b"nope"), "from": "app"})
        assert r.status_code == 202
        assert _full_state(fake_registry) == before
        status = http.get(location)
        assert (status.status_code, status.headers["Range"]) == (204, "0-0")


def test_read_only_token_cannot_write(fake_registry_factory: Any) -> None:
    reader = Account("reader", "r", pull=("*",))
    fake = fake_registry_factory(accounts=[reader, ACCOUNT], anonymous_pull=True)
    _staged(fake)
    before = _full_state(fake)
    with requests.Session() as http:
        token = http.get(f"{fake.url}/token", auth=("reader", "r"),
                         params={"scope": "repository:app:pull,push,delete"}).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        assert http.get(f"{fake.url}/v2/app/manifests/v1",
                        headers={"Accept": OCI_MANIFEST}).status_code == 200
        refused = [
            http.put(f"{fake.url}/v2/app/manifests/v2", data=MANIFEST,
                     headers={"Content-Type": OCI_MANIFEST}),
            http.post(f"{fake.url}/v2/app/blobs/uploads/", params={"digest": sha256(b"x")},
                      data=b"x"),
            http.delete(f"{fake.url}/v2/app/manifests/v1"),
        ]
        assert [(r.status_code, r.json()["errors"][0]["code"]) for r in refused] == [
            (403, "DENIED")] * 3
        # a token that never asked for push gets a new challenge, not a denial
        anonymous = http.get(f"{fake.url}/token",
                             params={"scope": "repository:app:pull"}).json()["token"]
        r = http.put(f"{fake.url}/v2/app/manifests/v2", data=MANIFEST,
                     headers={"Content-Type": OCI_MANIFEST,
                              "Authorization": f"Bearer {anonymous}"})
        assert r.status_code == 401
        assert 'scope="repository:app:pull,push"' in r.headers["WWW-Authenticate"]
        assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
    assert _full_state(fake) == before
