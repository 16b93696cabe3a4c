"""What git defines about clone, fetch and push over smart HTTP, as scenarios that take
any :class:`GitRemote`: the GitHub fake in the conformance suite, and ``git
http-backend`` as the reference in ``tests/test_github_git_http.py``. Each asserts what
the machine's ``git`` sees: exit codes, its messages, and the refs ``ls-remote`` shows.
"""

from __future__ import annotations

import os

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
    main = work.commit("c", {"a.txt": "a\n"}, "on main")
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
    work.git("fetch", "-q", "--depth", "3", cwd="s")
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


SCENARIOS = {f.__name__: f for f in (clone_and_ls_remote, push_refs_and_tags,
                                     non_fast_forward, delete_by_push, shallow_clone,
                                     protocol_versions, partial_clone, many_refs)}
