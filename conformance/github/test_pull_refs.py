"""``refs/pull/<n>/head`` over git: GitHub keeps a ref for every pull request's head,
which fetches see and pushes may not touch (GH-410 to GH-414).

Each test needs pull requests (the REST API), so it asks for ``pull_request_refs``.
"""

from __future__ import annotations

import pytest

from fakes.conformance.github._git_remote import (
    GIT_HTTP,
    TargetRemote,
    Workdir,
    git_exec_path,
    ls_remote,
)
from fakes.conformance.github._git_scenarios import _receive
from fakes.conformance.github._support import put_file
from fakes.conformance.github.targets import DOCS, Target
from fakes.conformance.github.test_github_smart_http import _git_http

behaviour = pytest.mark.behaviour
pytestmark = pytest.mark.skipif(git_exec_path() is None, reason="git is not installed")

CHECKOUT = ("https://docs.github.com/pull-requests/collaborating-with-pull-requests/"
            "reviewing-changes-in-pull-requests/checking-out-pull-requests-locally")
#: git refuses a push to a hidden ref with these reasons (git-config(1),
#: receive.hideRefs); GitHub's users see them for refs/pull/*.
HIDDEN = "https://git-scm.com/docs/git-config#Documentation/git-config.txt-receivehideRefs; " \
    "github.com/ad-m/github-push-action/issues/143"


def _opened(target: Target, work: Workdir, hint: str) -> tuple[str, str, int, str]:
    """A repository cloned into ``c`` with a pushed branch ``topic`` one commit ahead
    of main, and a pull request of it: (repo, url, number, head sha)."""
    target.require("pull_request_refs")
    remote = TargetRemote(target)
    repo = remote.new_repo(hint)
    url = remote.url(repo)
    work.git("clone", "-q", url, "c")
    work.git("checkout", "-q", "-b", "topic", cwd="c")
    head = work.commit("c", {"src/topic.txt": "one\n"}, "topic one")
    work.git("push", "-q", "origin", "topic", cwd="c")
    pull = target.http("POST", f"/repos/{repo}/pulls", json={
        "title": "Topic", "head": "topic", "base": "main"})
    assert pull.status_code == 201, pull.text
    return repo, url, int(pull.json()["number"]), head


@behaviour("GH-410", "every pull request has refs/pull/<n>/head at its head commit: "
           "ls-remote lists it, the receive-pack advertisement does not, and a clone "
           "fetches only the branches (a mirror clone all refs)", cite=f"{CHECKOUT}; {GIT_HTTP}")
def test_pull_head_advertised(target: Target, work: Workdir) -> None:
    repo, url, number, head = _opened(target, work, "pullrefs")
    refs = ls_remote(work, url)
    assert refs[f"refs/pull/{number}/head"] == head
    assert refs["refs/heads/topic"] == head
    pushable = _git_http(target, "GET", f"{TargetRemote(target).origin}/{repo}.git/info/refs"
                         "?service=git-receive-pack")
    assert pushable.status_code == 200
    assert b"refs/heads/topic" in pushable.content
    assert b"refs/pull/" not in pushable.content
    work.git("clone", "-q", "--mirror", url, "mirror")
    assert work.git("rev-parse", f"refs/pull/{number}/head", cwd="mirror").strip() == head
    work.git("clone", "-q", url, "fresh")
    assert "refs/pull/" not in work.git("for-each-ref", cwd="fresh")


@behaviour("GH-411", "git fetch origin pull/<n>/head:<branch> makes a local branch at the "
           "pull request's head, with protocol v0 and v2, and a refs/pull/*/head refspec "
           "fetches every one", cite=CHECKOUT)
def test_fetch_pull_head(target: Target, work: Workdir) -> None:
    _repo, url, number, head = _opened(target, work, "fetchpull")
    for version in ("0", "2"):
        clone = f"v{version}"
        work.git("clone", "-q", url, clone)
        work.git("-c", f"protocol.version={version}", "fetch", "-q", "origin",
                 f"pull/{number}/head:pr-{number}", cwd=clone)
        assert work.git("rev-parse", f"pr-{number}", cwd=clone).strip() == head
        assert work.git("show", f"pr-{number}:src/topic.txt", cwd=clone) == "one\n"
    work.git("fetch", "-q", "origin", "+refs/pull/*/head:refs/remotes/origin/pr/*", cwd="v0")
    assert work.git("rev-parse", f"origin/pr/{number}", cwd="v0").strip() == head


@behaviour("GH-412", "refs/pull/<n>/head follows the head branch while the pull request is "
           "open: after a push to the branch and after a commit made through the REST API",
           cite=f"{CHECKOUT}; {DOCS}/pulls/pulls#get-a-pull-request")
def test_pull_head_follows_branch(target: Target, work: Workdir) -> None:
    repo, url, number, _head = _opened(target, work, "follow")
    pushed = work.commit("c", {"src/topic.txt": "two\n"}, "topic two")
    work.git("push", "-q", "origin", "topic", cwd="c")
    assert ls_remote(work, url)[f"refs/pull/{number}/head"] == pushed
    written = put_file(target, repo, "api.txt", "api\n", branch="topic", message="via REST")
    assert written.status_code == 201, written.text
    by_rest = written.json()["commit"]["sha"]
    assert ls_remote(work, url)[f"refs/pull/{number}/head"] == by_rest
    work.git("fetch", "-q", "origin", f"pull/{number}/head", cwd="c")
    assert work.git("rev-parse", "FETCH_HEAD", cwd="c").strip() == by_rest


@behaviour("GH-413", "refs/pull/<n>/head stays after the pull request is merged, and after "
           "one is closed and its branch deleted it still names the last head and fetches",
           cite=f"{CHECKOUT}; {DOCS}/pulls/pulls#merge-a-pull-request")
def test_pull_head_kept(target: Target, work: Workdir) -> None:
    repo, url, merged, head = _opened(target, work, "kept")
    done = target.http("PUT", f"/repos/{repo}/pulls/{merged}/merge", json={})
    assert done.status_code == 200, done.text
    work.git("checkout", "-q", "-b", "other", "main", cwd="c")
    other = work.commit("c", {"other.txt": "x\n"}, "other")
    work.git("push", "-q", "origin", "other", cwd="c")
    opened = target.http("POST", f"/repos/{repo}/pulls", json={
        "title": "Other", "head": "other", "base": "main"})
    assert opened.status_code == 201, opened.text
    closed = opened.json()["number"]
    shut = target.http("PATCH", f"/repos/{repo}/pulls/{closed}", json={"state": "closed"})
    assert shut.status_code == 200, shut.text
    gone = target.http("DELETE", f"/repos/{repo}/git/refs/heads/other")
    assert gone.status_code == 204, gone.text
    refs = ls_remote(work, url)
    assert refs[f"refs/pull/{merged}/head"] == head
    assert refs["refs/heads/main"] == done.json()["sha"] != head
    assert refs[f"refs/pull/{closed}/head"] == other
    assert "refs/heads/other" not in refs
    work.git("clone", "-q", url, "later")
    work.git("fetch", "-q", "origin", f"pull/{closed}/head:old", cwd="later")
    assert work.git("show", "old:other.txt", cwd="later") == "x\n"


@behaviour("GH-414", "a push to refs/pull/<n>/head is refused ('deny updating a hidden ref'), "
           "a deletion too ('deny deleting a hidden ref'); the ref keeps its commit and the "
           "other refs of the same push land", cite=HIDDEN)
def test_push_to_pull_ref_refused(target: Target, work: Workdir) -> None:
    repo, url, number, head = _opened(target, work, "hidden")
    ahead = work.commit("c", {"src/topic.txt": "pushed\n"}, "to the pull ref")
    out = work.fails("push", "origin", f"HEAD:refs/pull/{number}/head", "HEAD:refs/heads/side",
                     cwd="c")
    assert f"! [remote rejected] HEAD -> refs/pull/{number}/head (deny updating a hidden " \
           "ref)" in out, out
    out = work.fails("push", "origin", f":refs/pull/{number}/head", cwd="c")
    assert f"! [remote rejected] refs/pull/{number}/head (deny deleting a hidden ref)" \
        in out, out
    answer = _receive(url, head.encode() + b" " + b"0" * 40 + f" refs/pull/{number}/head"
                      .encode())
    assert f"ng refs/pull/{number}/head deny deleting a hidden ref".encode() in answer
    refs = ls_remote(work, url)
    assert refs[f"refs/pull/{number}/head"] == head
    assert refs["refs/heads/side"] == ahead
    pull = target.http("GET", f"/repos/{repo}/pulls/{number}").json()
    assert pull["head"]["sha"] == head
