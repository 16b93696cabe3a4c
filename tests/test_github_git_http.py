"""The GitHub fake's git over HTTP beyond what git defines: reliability under concurrent
and interrupted pushes, streaming, and its Python helpers. The git-defined scenarios
(conformance/github/_git_scenarios.py) run in the conformance suite, against the fake
and against git http-backend (``fakes conformance --provider github --target fake
--target real-local``)."""

from __future__ import annotations

import base64
import os
import subprocess
import time
from collections.abc import Iterator

import pytest

pytest.importorskip("dulwich")

from fakes.conformance.github._git_remote import Workdir, git_exec_path
from fakes.github import FakeGitHub

pytestmark = pytest.mark.skipif(git_exec_path() is None, reason="git is not installed")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGitHub]:
    with FakeGitHub() as served:
        yield served


@pytest.fixture
def work() -> Iterator[Workdir]:
    made = Workdir()
    yield made
    made.close()


def _clone_url(fake: FakeGitHub, name: str) -> str:
    return fake.clone_url(name, fake.token_for("octocat", scopes=("repo",)))


def test_clone_url(fake: FakeGitHub) -> None:
    assert fake.clone_url("octocat/x") == f"{fake.url}/octocat/x.git"
    scheme, _, rest = fake.url.partition("://")
    assert fake.clone_url("octocat/x", "t0k") == f"{scheme}://x-access-token:t0k@{rest}/octocat/x.git"


def test_concurrent_pushes_one_wins(fake: FakeGitHub, work: Workdir) -> None:
    """Pushes racing for one branch: one lands, the others are refused, nothing breaks."""
    import concurrent.futures

    fake.create_repo("octocat/race", auto_init=True)
    mark = fake.journal.mark()
    url = _clone_url(fake, "octocat/race")
    clones = [f"c{n}" for n in range(6)]
    for clone in clones:
        work.git("clone", "-q", url, clone)
        work.commit(clone, {f"{clone}.txt": clone}, f"from {clone}")
    with concurrent.futures.ThreadPoolExecutor(len(clones)) as pool:
        codes = list(pool.map(lambda c: work.git("push", "-q", "origin", "main", cwd=c,
                                                 check=False) == "", clones))
    heads = {work.git("rev-parse", "HEAD", cwd=c).strip() for c in clones}
    assert fake.branch_head("octocat/race", "main") in heads
    assert 1 <= sum(codes) <= len(clones)
    work.git("clone", "-q", url, "check")
    work.git("fsck", "--strict", cwd="check")
    pushes = [e for e in fake.journal.since(mark) if e.operation == "git.push"]
    assert len(pushes) == sum(codes) and all(e.actor == "octocat" for e in pushes)


def test_interrupted_push_changes_nothing(fake: FakeGitHub, work: Workdir) -> None:
    """A client that dies mid-pack leaves refs and objects as they were."""
    import socket
    from urllib.parse import urlsplit

    fake.create_repo("octocat/cut", auto_init=True)
    url = _clone_url(fake, "octocat/cut")
    work.git("clone", "-q", url, "c")
    work.commit("c", {"big.bin": os.urandom(200_000).hex()}, "big")
    pack = subprocess.run(["git", "pack-objects", "--stdout", "--revs"], input=b"HEAD\n^HEAD~1\n",
                          cwd=os.path.join(work.path, "c"), capture_output=True, check=True).stdout
    old = fake.branch_head("octocat/cut", "main")
    new = work.git("rev-parse", "HEAD", cwd="c").strip()
    command = f"{old} {new} refs/heads/main\0report-status\n".encode()
    body = b"%04x" % (len(command) + 4) + command + b"0000" + pack
    objects = len(fake.repo("octocat/cut").git.repo.object_store._data)
    parts = urlsplit(url)
    auth = base64.b64encode(f"{parts.username}:{parts.password}".encode()).decode()
    with socket.create_connection((parts.hostname, parts.port)) as sock:
        sock.sendall((f"POST /octocat/cut.git/git-receive-pack HTTP/1.1\r\nHost: x\r\n"
                      f"User-Agent: git/2\r\nAuthorization: Basic {auth}\r\n"
                      "Content-Type: application/x-git-receive-pack-request\r\n"
                      f"Content-Length: {len(body)}\r\n\r\n").encode() + body[:len(body) // 2])
    for _ in range(50):  # the server notices the closed connection
        time.sleep(0.02)
    assert fake.branch_head("octocat/cut", "main") == old
    assert len(fake.repo("octocat/cut").git.repo.object_store._data) == objects
    work.git("push", "-q", "origin", "main", cwd="c")  # the same push, whole, lands
    assert fake.branch_head("octocat/cut", "main") == new


def test_pack_is_streamed(fake: FakeGitHub) -> None:
    """upload-pack's answer is sent while it is written (chunked), not built whole first."""
    import requests

    files = {f"f{n}.txt": os.urandom(2048).hex() for n in range(200)}
    fake.create_repo("octocat/stream", files=files)
    head = fake.branch_head("octocat/stream", "main")
    body = f"0032want {head}\n".encode() + b"00000009done\n"
    got = requests.post(f"{fake.url}/octocat/stream.git/git-upload-pack", data=body, stream=True,
                        headers={"User-Agent": "git/2",
                                 "Content-Type": "application/x-git-upload-pack-request"})
    assert got.headers.get("Transfer-Encoding") == "chunked"
    assert len(got.content) > 400_000


def test_push_is_journaled_and_rest_sees_it(fake: FakeGitHub, work: Workdir) -> None:
    fake.create_repo("octocat/seen", auto_init=True)
    work.git("clone", "-q", _clone_url(fake, "octocat/seen"), "c")
    sha = work.commit("c", {"new.txt": "new\n"}, "pushed")
    mark = fake.journal.mark()
    work.git("push", "-q", "origin", "main", "main:refs/heads/copy", cwd="c")
    entries = fake.journal.since(mark)
    assert [(e.actor, e.operation) for e in entries] == [("octocat", "git.push")] * 2
    gh = fake.client()
    repo = gh.get_repo("octocat/seen")
    assert repo.get_branch("copy").commit.sha == sha
    assert repo.get_contents("new.txt").decoded_content == b"new\n"


def test_a_git_push_starts_simulated_ci(fake: FakeGitHub, work: Workdir) -> None:
    fake.create_repo("octocat/ci-on-push", auto_init=True)
    fake.ci("build", after=30, repo="octocat/ci-on-push")
    work.git("clone", "-q", _clone_url(fake, "octocat/ci-on-push"), "c")
    sha = work.commit("c", {"new.txt": "new\n"}, "pushed")
    work.git("push", "-q", "origin", "main", cwd="c")
    # CI started with the push, not with the next API request: 30 s later it is done.
    fake.clock.advance(30)
    commit = fake.client().get_repo("octocat/ci-on-push").get_commit(sha)
    assert commit.get_combined_status().state == "success"


@pytest.mark.parametrize("version", ["0", "2"])
def test_clone_of_seeded_files(fake: FakeGitHub, work: Workdir, version: str) -> None:
    """A repository seeded with files clones whole (git names the same commit once for
    HEAD and once for main: the pack holds it once)."""
    name = f"octocat/seeded-{version}"
    fake.create_repo(name, files={"version.txt": "1.0\n", "deep/er/file.txt": "x\n"})
    work.git("-c", f"protocol.version={version}", "clone", "-q", _clone_url(fake, name), "c")
    assert work.git("show", "HEAD:deep/er/file.txt", cwd="c") == "x\n"
    work.git("fsck", "--strict", cwd="c")


def test_clones_while_pushes_land(fake: FakeGitHub, work: Workdir) -> None:
    """Fetches see the refs of one moment: clones made while another writer pushes are
    complete and consistent."""
    import threading

    fake.create_repo("octocat/busy", auto_init=True)
    url = _clone_url(fake, "octocat/busy")
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            fake.push("octocat/busy", {f"w/{n}.txt": f"{n}\n"}, branch=f"b{n % 5}")
            time.sleep(0.005)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for n in range(5):
            work.git("-c", f"protocol.version={n % 3}", "clone", "-q", "--no-single-branch",
                     url, f"c{n}")
            work.git("fsck", "--strict", cwd=f"c{n}")
    finally:
        stop.set()
        thread.join()


def test_workdir_runs_git_on_its_own_config(fake: FakeGitHub,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """``fake.workdir()``: the caller's git configuration plays no part; commits are by
    the login; clone takes a token; the directory goes with the block."""
    from fakes.github import GitError

    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/nonexistent/gitconfig")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "someone else")
    fake.create_repo("octocat/seeded", private=True, files={"a.txt": "a\n", "b.txt": "b\n"})
    with fake.workdir("hubot") as work:
        # the global config git would read is the (empty) one under the workdir
        assert work.path in work.git("config", "--global", "--list", check=False)
        fake.add_collaborator("octocat/seeded", "hubot")
        clone = work.clone("octocat/seeded", into="here")
        sha = work.commit(clone, {"a.txt": b"A\n", "b.txt": None, "d/c.txt": "c\n"}, "Edit")
        work.git("push", "-q", "origin", "main", cwd=clone)
        email = fake.store.accounts["hubot"].email
        assert work.git("log", "-1", "--format=%an <%ae>", cwd=clone).strip() == \
            f"hubot <{email}>"
        with pytest.raises(GitError, match="exited 128"):
            work.clone("octocat/seeded", token="ghp_unknown", into="other")
        path = work.path
    assert not os.path.exists(path)
    assert fake.branch_head("octocat/seeded", "main") == sha
    assert fake.file("octocat/seeded", "b.txt") is None
    assert fake.file("octocat/seeded", "d/c.txt") == b"c\n"


def test_rest_branch_writes_fire_create_and_delete(fake: FakeGitHub) -> None:
    """A branch made and deleted through the REST API fires the events a push does."""
    fake.create_repo("octocat/rest-refs", auto_init=True)
    repo = fake.client().get_repo("octocat/rest-refs")
    hook = repo.create_hook("web", {"url": "http://127.0.0.1:9/hook", "content_type": "json"},
                            events=["create", "delete"])
    head = fake.branch_head("octocat/rest-refs", "main")
    repo.create_git_ref("refs/heads/side", head).delete()
    shown = [(d.event, d.payload["ref"], d.payload["ref_type"], d.payload["sender"]["login"])
             for d in fake.adapter.hooks.deliveries if d.hook == hook.id and d.event != "ping"]
    assert shown == [("create", "side", "branch", "octocat"),
                     ("delete", "side", "branch", "octocat")]
