"""What git defines about clone, fetch and push over smart HTTP, as scenarios that take
any :class:`GitRemote`: every target of the conformance suite, ``git http-backend``
(``--target real-local``) as well as the GitHub fake (test_github_smart_http.py). Each
asserts what the machine's ``git`` sees: exit codes, its messages, and the refs
``ls-remote`` shows.
"""

from __future__ import annotations

import hashlib
import os

import requests

from fakes.conformance.github._git_remote import GitRemote, Workdir, ls_remote

__all__ = ["SCENARIOS"]


def clone_and_ls_remote(remote: GitRemote, work: Workdir) -> None:
    repo = remote.new_repo("clone")
    url = remote.url(repo)
    work.git("clone", "-q", url, "c")
    with open(os.path.join(work.path, "c", "README.md")) as f:
        assert f.read().startswith("# "), "the clone holds the initial commit"
    refs = ls_remote(work, url)
    head = work.git("rev-parse", "HEAD", cwd="c").strip()
    assert refs["refs/heads/main"] == head, refs
    assert refs["HEAD"] == head, refs
    assert work.git("symbolic-ref", "HEAD", cwd="c").strip() == "refs/heads/main"


def push_refs_and_tags(remote: GitRemote, work: Workdir) -> None:
    """One push moves a branch, makes another and two tags; a fetch takes one ref."""
    repo = remote.new_repo("push")
    url = remote.url(repo)
    work.git("clone", "-q", url, "c")
    # a file that does not compress, so the pack is sent in several pieces
    main = work.commit("c", {"a.txt": "a\n", "big.txt": os.urandom(150_000).hex()}, "on main")
    work.git("checkout", "-q", "-b", "feature", cwd="c")
    feature = work.commit("c", {"dir/b.txt": "b\n"}, "on feature")
    work.git("tag", "v1", main, cwd="c")
    work.git("tag", "-a", "-m", "release 2", "v2", feature, cwd="c")
    tag_object = work.git("rev-parse", "v2", cwd="c").strip()
    out = work.git("push", "origin", "main", "feature", "v1", "v2", cwd="c")
    assert "* [new branch]      feature -> feature" in out, out
    assert "* [new tag]         v2 -> v2" in out, out
    refs = ls_remote(work, url)
    assert refs["refs/heads/main"] == main and refs["refs/heads/feature"] == feature, refs
    assert refs["refs/tags/v1"] == main, refs
    assert refs["refs/tags/v2"] == tag_object and refs["refs/tags/v2^{}"] == feature, refs
    work.git("checkout", "-q", "feature", cwd="c")
    # a small change to the big file goes as a thin pack: a delta against what the server has
    with open(os.path.join(work.path, "c", "big.txt"), "a") as f:
        f.write("one more line\n")
    work.git("commit", "-q", "-am", "append", cwd="c")
    work.git("push", "-q", "origin", "feature", cwd="c")
    feature = work.git("rev-parse", "HEAD", cwd="c").strip()
    assert ls_remote(work, url)["refs/heads/feature"] == feature
    work.git("init", "-q", "one")
    work.git("fetch", "-q", url, "refs/heads/feature", cwd="one")
    assert work.git("rev-parse", "FETCH_HEAD", cwd="one").strip() == feature
    assert "main" not in work.git("branch", "-a", cwd="one")


def non_fast_forward(remote: GitRemote, work: Workdir) -> None:
    """git refuses a push that would lose commits; ``--force`` pushes it."""
    repo = remote.new_repo("nff")
    url = remote.url(repo)
    work.git("clone", "-q", url, "a")
    work.git("clone", "-q", url, "b")
    work.commit("a", {"a.txt": "from a\n"}, "a")
    work.git("push", "-q", "origin", "main", cwd="a")
    mine = work.commit("b", {"b.txt": "from b\n"}, "b")
    out = work.fails("push", "origin", "main", cwd="b")
    assert "! [rejected]        main -> main (fetch first)" in out, out
    work.git("fetch", "-q", "origin", cwd="b")
    out = work.fails("push", "origin", "main", cwd="b")
    assert "! [rejected]        main -> main (non-fast-forward)" in out, out
    out = work.git("push", "--force", "origin", "main", cwd="b")
    assert "+ " in out and "(forced update)" in out, out
    assert ls_remote(work, url)["refs/heads/main"] == mine


def delete_by_push(remote: GitRemote, work: Workdir) -> None:
    repo = remote.new_repo("delete")
    url = remote.url(repo)
    work.git("clone", "-q", url, "c")
    work.git("push", "-q", "origin", "HEAD:refs/heads/doomed", "HEAD:refs/tags/t1", cwd="c")
    out = work.git("push", "origin", "--delete", "doomed", "t1", cwd="c")
    assert "- [deleted]         doomed" in out, out
    refs = ls_remote(work, url)
    assert "refs/heads/doomed" not in refs and "refs/tags/t1" not in refs, refs
    out = work.fails("push", "origin", "--delete", "doomed", cwd="c")
    assert "unable to delete 'doomed': remote ref does not exist" in out, out


def shallow_clone(remote: GitRemote, work: Workdir) -> None:
    repo = remote.new_repo("shallow")
    url = remote.url(repo)
    work.git("clone", "-q", url, "c")
    for n in range(3):
        work.commit("c", {"n.txt": f"{n}\n"}, f"commit {n}")
    work.git("push", "-q", "origin", "main", cwd="c")
    work.git("clone", "-q", "--depth", "1", url, "s")
    assert work.git("rev-parse", "--is-shallow-repository", cwd="s").strip() == "true"
    assert work.git("rev-list", "--count", "HEAD", cwd="s").strip() == "1"
    work.git("fetch", "-q", "--depth", "2", cwd="s")
    assert work.git("rev-list", "--count", "HEAD", cwd="s").strip() == "2"
    # --deepen counts from the current boundary (protocol v2's deepen-relative)
    work.git("-c", "protocol.version=2", "fetch", "-q", "--deepen", "1", cwd="s")
    assert work.git("rev-list", "--count", "HEAD", cwd="s").strip() == "3"
    work.git("fetch", "-q", "--unshallow", cwd="s")
    assert work.git("rev-list", "--count", "HEAD", cwd="s").strip() == "4"


def protocol_versions(remote: GitRemote, work: Workdir) -> None:
    """git asks for protocol v2 (``Git-Protocol: version=2``); clone and fetch work
    whichever version the server speaks, and with v0 forced."""
    repo = remote.new_repo("versions")
    url = remote.url(repo)
    for version in ("0", "1", "2"):
        work.git("-c", f"protocol.version={version}", "clone", "-q", url, f"v{version}")
    work.commit("v0", {"x.txt": "x\n"}, "x")
    work.git("push", "-q", "origin", "main", cwd="v0")
    head = work.git("rev-parse", "HEAD", cwd="v0").strip()
    for version in ("0", "2"):
        work.git("-c", f"protocol.version={version}", "pull", "-q", "--ff-only",
                 cwd=f"v{version}")
        assert work.git("rev-parse", "HEAD", cwd=f"v{version}").strip() == head


def partial_clone(remote: GitRemote, work: Workdir) -> None:
    """``--filter=blob:none``: a server with filters sends no blobs and serves them
    later; one without ignores the filter; either way the checkout is complete."""
    repo = remote.new_repo("filter")
    url = remote.url(repo)
    work.git("clone", "-q", "--filter=blob:none", url, "p")
    with open(os.path.join(work.path, "p", "README.md")) as f:
        assert f.read().startswith("# ")


def many_refs(remote: GitRemote, work: Workdir) -> None:
    """Thirty branches in one push; a clone's request for them is large enough that git
    sends it gzip-compressed (gitprotocol-http: ``Content-Encoding: gzip``)."""
    repo = remote.new_repo("many")
    url = remote.url(repo)
    work.git("clone", "-q", url, "c")
    specs = [f"HEAD:refs/heads/branch-{n:02d}" for n in range(30)]
    work.git("push", "-q", "origin", *specs, cwd="c")
    work.git("clone", "-q", "--no-single-branch", url, "again")
    branches = work.git("branch", "-r", cwd="again")
    assert all(f"origin/branch-{n:02d}" in branches for n in range(30)), branches




# -- the wire, spoken directly ---------------------------------------------------------------

def _pkt(data: bytes) -> bytes:
    return b"%04x" % (len(data) + 4) + data


#: A pack of no objects: header (version 2, count 0) and its sha1 trailer (gitformat-pack).
_EMPTY_PACK = b"PACK\x00\x00\x00\x02\x00\x00\x00\x00"
_EMPTY_PACK += hashlib.sha1(_EMPTY_PACK).digest()
_RECEIVE = {"Content-Type": "application/x-git-receive-pack-request", "User-Agent": "git/2"}
_UPLOAD_V2 = {"Content-Type": "application/x-git-upload-pack-request", "User-Agent": "git/2",
              "Git-Protocol": "version=2"}


def _receive(url: str, *commands: bytes, capabilities: bytes = b"report-status",
             pack: bool = True) -> bytes:
    lines = [_pkt(commands[0] + b"\0" + capabilities + b"\n"),
             *(_pkt(c + b"\n") for c in commands[1:])]
    body = b"".join(lines) + b"0000" + (_EMPTY_PACK if pack else b"")
    got = requests.post(f"{url}/git-receive-pack", data=body, headers=_RECEIVE, timeout=60)
    assert got.status_code == 200, (got.status_code, got.text)
    return got.content


def receive_rules(remote: GitRemote, work: Workdir) -> None:
    repo = remote.new_repo("receive")
    url = remote.url(repo)
    main = ls_remote(work, url)["refs/heads/main"].encode()
    zero, stale = b"0" * 40, b"1" * 40
    got = _receive(url, stale + b" " + main + b" refs/heads/main",
                   capabilities=b"report-status side-band-64k")
    assert b"\x02error: cannot lock ref 'refs/heads/main': is at " + main + \
        b" but expected " + stale + b"\n" in got, got
    assert b"\x01000eunpack ok\n002cng refs/heads/main failed to update ref\n0000" in got, got
    assert _receive(url, zero + b" " + main + b" refs/heads/a..b") == \
        b"000eunpack ok\n0025ng refs/heads/a..b funny refname\n0000"
    assert _receive(url, zero + b" " + b"2" * 40 + b" refs/heads/new") == \
        b"000eunpack ok\n0030ng refs/heads/new missing necessary objects\n0000"
    assert _receive(url, main + b" " + zero + b" refs/heads/main",
                    capabilities=b"report-status delete-refs", pack=False) == \
        b"000eunpack ok\n0041ng refs/heads/main deletion of the current branch prohibited\n0000"
    assert _receive(url, zero + b" " + main + b" refs/heads/ok1",
                    zero + b" " + main + b" refs/heads/x..y",
                    capabilities=b"report-status atomic") == \
        b"000eunpack ok\n002ang refs/heads/ok1 atomic push failure\n" \
        b"0025ng refs/heads/x..y funny refname\n0000"
    assert _receive(url, zero + b" " + main + b" refs/tags/t") == \
        b"000eunpack ok\n0013ok refs/tags/t\n0000"
    work.git("clone", "-q", url, "c")
    blob = work.git("rev-parse", "HEAD:README.md", cwd="c").strip().encode()
    got = _receive(url, zero + b" " + blob + b" refs/heads/blob",
                   capabilities=b"report-status side-band-64k")
    assert b"\x02error: cannot update ref 'refs/heads/blob': trying to write non-commit " \
        b"object " + blob + b" to branch 'refs/heads/blob'\n" in got, got
    assert b"ng refs/heads/blob failed to update ref\n" in got, got
    refs = ls_remote(work, url)
    assert refs["refs/heads/main"] == main.decode() and refs["refs/tags/t"] == main.decode()
    assert "refs/heads/ok1" not in refs and "refs/heads/new" not in refs, refs
    out = work.fails("push", "origin", "--delete", "main", cwd="c")
    assert "! [remote rejected] main (deletion of the current branch prohibited)" in out, out


def protocol_v2_wire(remote: GitRemote, work: Workdir) -> None:
    repo = remote.new_repo("v2")
    url = remote.url(repo)
    work.git("clone", "-q", url, "c")
    first = work.git("rev-parse", "HEAD", cwd="c").strip().encode()
    work.git("tag", "-a", "-m", "annotated", "v1", cwd="c")
    second = work.commit("c", {"two.txt": "2\n"}, "second").encode()
    work.git("push", "-q", "origin", "main", "v1", cwd="c")
    tag = work.git("rev-parse", "v1", cwd="c").strip().encode()
    got = requests.get(f"{url}/info/refs?service=git-upload-pack", timeout=60,
                       headers={"Git-Protocol": "version=2", "User-Agent": "git/2"})
    assert got.status_code == 200
    assert got.headers["Content-Type"] == "application/x-git-upload-pack-advertisement"
    assert got.content.startswith(b"000eversion 2\n"), got.content
    lines = got.content.split(b"\n")
    assert any(line[4:].startswith(b"ls-refs") for line in lines), lines
    assert any(line[4:].startswith(b"fetch=") and b"shallow" in line for line in lines), lines

    def command(body: bytes) -> bytes:
        answer = requests.post(f"{url}/git-upload-pack", data=body, headers=_UPLOAD_V2,
                               timeout=60)
        assert answer.status_code == 200, answer.text
        assert answer.headers["Content-Type"] == "application/x-git-upload-pack-result"
        return answer.content

    listed = command(_pkt(b"command=ls-refs\n") + b"0001" + _pkt(b"symrefs\n") +
                     _pkt(b"peel\n") + _pkt(b"ref-prefix HEAD\n") +
                     _pkt(b"ref-prefix refs/tags/\n") + b"0000")
    assert listed == (_pkt(second + b" HEAD symref-target:refs/heads/main\n") +
                      _pkt(tag + b" refs/tags/v1 peeled:" + first + b"\n") + b"0000"), listed
    fetch = _pkt(b"command=fetch\n") + b"0001" + _pkt(b"ofs-delta\n")
    acked = command(fetch + _pkt(b"want " + second + b"\n") + _pkt(b"have " + first + b"\n")
                    + _pkt(b"have " + b"3" * 40 + b"\n") + b"0000")
    assert acked.startswith(_pkt(b"acknowledgments\n") + _pkt(b"ACK " + first + b"\n") +
                            _pkt(b"ready\n") + b"0001" + _pkt(b"packfile\n")), acked[:200]
    assert acked.endswith(b"0000")
    nak = command(fetch + _pkt(b"want " + second + b"\n") + _pkt(b"have " + b"3" * 40 + b"\n")
                  + b"0000")
    assert nak == _pkt(b"acknowledgments\n") + _pkt(b"NAK\n") + b"0000", nak
    done = command(fetch + _pkt(b"want " + second + b"\n") + _pkt(b"no-progress\n") +
                   _pkt(b"done\n") + b"0000")
    assert done.startswith(_pkt(b"packfile\n")), done[:40]
    assert done[len(_pkt(b"packfile\n")) + 4:][:5] == b"\x01PACK", done[:40]
    for refused in (fetch + _pkt(b"want " + b"4" * 40 + b"\n") + _pkt(b"done\n") + b"0000",
                    _pkt(b"command=frobnicate\n") + b"0000"):
        assert b"packfile" not in command(refused)


def empty_repository(remote: GitRemote, work: Workdir) -> None:
    """An empty repository clones (with git's warning) and takes its first push."""
    repo = remote.new_repo("empty", empty=True)
    url = remote.url(repo)
    for version in ("0", "2"):
        out = work.git("-c", f"protocol.version={version}", "clone", url, f"e{version}")
        assert "You appear to have cloned an empty repository." in out, out
    first = work.commit("e0", {"first.txt": "1\n"}, "first")
    out = work.git("push", "origin", "HEAD:refs/heads/main", cwd="e0")
    assert "* [new branch]      HEAD -> main" in out, out
    assert ls_remote(work, url)["refs/heads/main"] == first
    work.git("pull", "-q", "origin", "main", cwd="e2")
    assert work.git("rev-parse", "HEAD", cwd="e2").strip() == first


SCENARIOS = {f.__name__: f for f in (clone_and_ls_remote, push_refs_and_tags,
                                     non_fast_forward, delete_by_push, shallow_clone,
                                     protocol_versions, partial_clone, many_refs,
                                     receive_rules, protocol_v2_wire, empty_repository)}
