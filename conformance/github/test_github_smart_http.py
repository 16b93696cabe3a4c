"""git over smart HTTP: clone, fetch and push with the machine's ``git``, on the same
repositories as the REST API.

GH-200 to GH-209, GH-216, GH-217 and GH-220 are what git defines: they run against
every target, ``git http-backend`` (``--target real-local``) too, through
:meth:`Target.git_remote`. The rest is what GitHub adds (its answers over HTTPS, the
push rules of branch protection, the REST API seeing pushes): it needs ``github_git``.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from fakes.conformance.github._git_remote import (
    GIT_CLONE,
    GIT_HTTP,
    GIT_PACK,
    GIT_PUSH,
    GIT_V2,
    TargetRemote,
    Workdir,
    git_exec_path,
    ls_remote,
)
from fakes.conformance.github._git_scenarios import SCENARIOS
from fakes.conformance.github._support import head_of, put_file
from fakes.conformance.github.targets import DOCS, Target
from fakes.conformance.github.test_checks import combined, status
from fakes.conformance.github.test_reviews import review, reviewer
from fakes.conformance.github.test_webhooks import Receiver, _hook, _of

behaviour = pytest.mark.behaviour
pytestmark = pytest.mark.skipif(git_exec_path() is None, reason="git is not installed")

HTTPS_URLS = ("https://docs.github.com/get-started/git-basics/about-remote-repositories"
              "#cloning-with-https-urls")
TOKEN_AUTH = ("https://docs.github.com/authentication/keeping-your-account-and-data-secure/"
              "managing-your-personal-access-tokens#using-a-personal-access-token-on-the-"
              "command-line")
REPO_NOT_FOUND = ("https://docs.github.com/repositories/creating-and-managing-repositories/"
                  "troubleshooting-cloning-errors#error-repository-not-found")
PUSH_403 = ("https://docs.github.com/get-started/using-git/troubleshooting-cloning-errors"
            "#error-permission-to-userrepo-denied-to-userother-repo")
ABOUT = ("https://docs.github.com/repositories/configuring-branches-and-merges-in-your-"
         "repository/managing-protected-branches/about-protected-branches")
GH006 = "https://docs.github.com/pull-requests/collaborating-with-pull-requests/" \
    "collaborating-on-repositories-with-code-quality-features/troubleshooting-required-" \
    "status-checks"


@pytest.fixture
def receiver(target: Target) -> Iterator[Receiver]:
    target.require("loopback_webhooks")
    made = Receiver()
    yield made
    made.close()


def _github(target: Target) -> TargetRemote:
    """The target's repositories as GitHub serves them; skips where git's own server is
    the target."""
    target.require("github_git")
    return TargetRemote(target)


def _protect(target: Target, repo: str, branch: str = "main", **overrides: Any) -> None:
    body: dict[str, Any] = {"required_status_checks": None, "enforce_admins": True,
                            "required_pull_request_reviews": None, "restrictions": None}
    body.update(overrides)
    response = target.http("PUT", f"/repos/{repo}/branches/{branch}/protection", json=body)
    assert response.status_code == 200, response.text


def _git_http(target: Target, method: str, url: str, *, token: str | None = "default",
              **kwargs: Any) -> requests.Response:
    """A request as git makes it, with Basic credentials (any user name)."""
    headers = {"User-Agent": "git/2.39.5", **kwargs.pop("headers", {})}
    if token is not None:
        secret = target.token if token == "default" else token
        headers["Authorization"] = "Basic " + base64.b64encode(
            f"x-access-token:{secret}".encode()).decode()
    return requests.request(method, url, headers=headers, timeout=60, **kwargs)


# -- what git defines ------------------------------------------------------------------------


@behaviour("GH-200", "git clone over HTTPS: the clone holds the default branch, HEAD points "
           "at it, and ls-remote lists HEAD and refs/heads/main at the same commit",
           cite=f"{GIT_HTTP}; {GIT_CLONE}")
def test_clone_and_ls_remote(target: Target, work: Workdir) -> None:
    SCENARIOS["clone_and_ls_remote"](target.git_remote(), work)


@behaviour("GH-201", "one push moves a branch, creates another and pushes a lightweight and "
           "an annotated tag (ls-remote shows the tag and its peeled commit); fetching one "
           "ref fetches only it", cite=f"{GIT_PACK} (Reference Update Request); {GIT_PUSH}")
def test_push_refs_and_tags(target: Target, work: Workdir) -> None:
    SCENARIOS["push_refs_and_tags"](target.git_remote(), work)


@behaviour("GH-202", "a push that would lose commits is rejected by git ('fetch first', then "
           "'non-fast-forward'); --force pushes it on a branch without protection",
           cite=f"{GIT_PUSH}#_note_about_fast_forwards")
def test_non_fast_forward(target: Target, work: Workdir) -> None:
    SCENARIOS["non_fast_forward"](target.git_remote(), work)


@behaviour("GH-203", "push --delete removes a branch and a tag; deleting a ref that is not "
           "there fails with 'remote ref does not exist'", cite=f"{GIT_PUSH}; {GIT_PACK}")
def test_delete_by_push(target: Target, work: Workdir) -> None:
    SCENARIOS["delete_by_push"](target.git_remote(), work)


@behaviour("GH-204", "clone --depth 1 makes a shallow clone of one commit; fetch --depth, "
           "--deepen (v2's deepen-relative) and --unshallow deepen it",
           cite=f"{GIT_PACK} (shallow, deepen); {GIT_V2} (deepen-relative); {GIT_CLONE}")
def test_shallow_clone(target: Target, work: Workdir) -> None:
    SCENARIOS["shallow_clone"](target.git_remote(), work)


@behaviour("GH-205", "clone, fetch and pull work with protocol.version 0, 1 and 2",
           cite=f"{GIT_V2}; {GIT_HTTP}")
def test_protocol_versions(target: Target, work: Workdir) -> None:
    SCENARIOS["protocol_versions"](target.git_remote(), work)


@behaviour("GH-206", "clone --filter=blob:none ends with a complete checkout",
           cite=f"{GIT_CLONE} (--filter); https://git-scm.com/docs/partial-clone")
def test_partial_clone(target: Target, work: Workdir) -> None:
    SCENARIOS["partial_clone"](target.git_remote(), work)


@behaviour("GH-207", "thirty branches in one push; a clone asks for them all in one "
           "gzip-compressed request", cite=f"{GIT_HTTP} (Content-Encoding: gzip)")
def test_many_refs(target: Target, work: Workdir) -> None:
    SCENARIOS["many_refs"](target.git_remote(), work)


# -- the wire, as git's HTTP protocol defines it ----------------------------------------------


@behaviour("GH-216", "receive-pack refuses per ref as git does: a stale old value ('failed to "
           "update ref'), a name git refuses ('funny refname'), objects the push did not "
           "bring ('missing necessary objects'), deleting the default branch ('deletion of "
           "the current branch prohibited'); with atomic, the other refs 'atomic push "
           "failure'; a tag may point at any object", cite=f"{GIT_PACK} (report-status); "
           "https://git-scm.com/docs/git-receive-pack; https://git-scm.com/docs/git-config"
           "#Documentation/config/receive.txt-receivedenyDeleteCurrent")
def test_receive_rules(target: Target, work: Workdir) -> None:
    SCENARIOS["receive_rules"](target.git_remote(), work)


@behaviour("GH-217", "protocol v2 on request (Git-Protocol: version=2): the capability "
           "advertisement (version 2, ls-refs, fetch=shallow), ls-refs with symrefs, peel "
           "and ref-prefix, fetch acknowledging common haves ('ready') and sending the "
           "packfile section; a want it does not have and an unknown command send no pack",
           cite=GIT_V2)
def test_protocol_v2_wire(target: Target, work: Workdir) -> None:
    SCENARIOS["protocol_v2_wire"](target.git_remote(), work)


@behaviour("GH-220", "an empty repository clones with git's warning ('You appear to have "
           "cloned an empty repository.') over v0 and v2, and takes its first push",
           cite=f"{GIT_PACK} (capabilities^{{}} for an empty repository); {GIT_V2}")
def test_empty_repository(target: Target, work: Workdir) -> None:
    SCENARIOS["empty_repository"](target.git_remote(), work)


@behaviour("GH-208", "GET info/refs?service=git-upload-pack: 200, "
           "application/x-git-upload-pack-advertisement, '# service=git-upload-pack' and a "
           "flush first, then the refs; with or without '.git'; a gzip-compressed "
           "upload-pack request is read", cite=f"{GIT_HTTP} (Smart Clients, Smart Service "
           "git-upload-pack)")
def test_discovery_wire(target: Target, work: Workdir) -> None:
    remote = target.git_remote()
    repo = remote.new_repo("wire")
    base = remote.url(repo)  # requests sends its credentials as Basic ones
    main = ls_remote(work, base)["refs/heads/main"]
    for url in (base, base.removesuffix(".git")):
        got = _git_http(target, "GET", f"{url}/info/refs?service=git-upload-pack", token=None)
        assert got.status_code == 200, got.text
        assert got.headers["Content-Type"] == "application/x-git-upload-pack-advertisement"
        assert got.content.startswith(b"001e# service=git-upload-pack\n0000"), got.content[:60]
        assert f"{main} refs/heads/main".encode() in got.content
    request = (f"0032want {main}\n".encode() + b"00000009done\n")
    got = _git_http(target, "POST", f"{base}/git-upload-pack", data=gzip.compress(request),
                    headers={"Content-Type": "application/x-git-upload-pack-request",
                             "Content-Encoding": "gzip"}, token=None)
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"] == "application/x-git-upload-pack-result"
    assert got.content.startswith(b"0008NAK\nPACK"), got.content[:20]
    pushes = _git_http(target, "GET", f"{base}/info/refs?service=git-receive-pack",
                       token=None)
    assert pushes.status_code == 200
    assert pushes.headers["Content-Type"] == "application/x-git-receive-pack-advertisement"
    assert pushes.content.startswith(b"001f# service=git-receive-pack\n0000")
    assert b"report-status" in pushes.content and b"delete-refs" in pushes.content


@behaviour("GH-209", "malformed requests never get a server error and change nothing: a "
           "pack that is truncated or does not match its checksum is reported per ref "
           "('unpack <error>', 'ng'); a bad pkt-line length, a request that is not a "
           "command, ids that are not hex update no ref (the fake answers those with an "
           "ERR packet, git http-backend with an empty body)",
           cite=f"{GIT_PACK} (pkt-line, report-status); measured: git http-backend, git "
                "2.39.5, loopback, 2026-12-01")
def test_malformed_requests(target: Target, work: Workdir) -> None:
    remote = target.git_remote()
    repo = remote.new_repo("malformed")
    url = remote.url(repo)
    main = ls_remote(work, url)["refs/heads/main"]
    in_band = target.capabilities.err_packet_on_bad_request  # type: ignore[attr-defined]
    receive = {"Content-Type": "application/x-git-receive-pack-request"}
    bad_length = _git_http(target, "POST", f"{url}/git-receive-pack", data=b"zzzzjunk",
                           headers=receive, token=None)
    assert bad_length.status_code < 500, bad_length.content
    assert (b"ERR " in bad_length.content) == in_band, bad_length.content
    command = f"{main} {'1' * 40} refs/heads/main\0 report-status\n".encode()
    update = b"%04x" % (len(command) + 4) + command + b"0000"
    for pack in (b"PACK\x00\x00\x00\x02\x00\x00\x00\x01", b"PACK" + b"\x00" * 40):
        got = _git_http(target, "POST", f"{url}/git-receive-pack", data=update + pack,
                        headers=receive, token=None)
        assert got.status_code == 200, got.text
        assert b"unpack " in got.content and b"unpack ok" not in got.content, got.content
        assert b"ng refs/heads/main" in got.content, got.content
    not_hex = b"g" * 40 + b" " + b"g" * 40 + b" refs/heads/x\0report-status\n"
    for body in (b"0000", b"0009junk\n0000", b"%04x" % (len(not_hex) + 4) + not_hex + b"0000"):
        got = _git_http(target, "POST", f"{url}/git-receive-pack", data=body,
                        headers=receive, token=None)
        assert got.status_code < 500 and b"ok refs" not in got.content, got.content
    assert ls_remote(work, url) == {"HEAD": main, "refs/heads/main": main}
    upload = {"Content-Type": "application/x-git-upload-pack-request"}
    got = _git_http(target, "POST", f"{url}/git-upload-pack", data=b"00",
                    headers=upload, token=None)
    assert got.status_code < 500, got.content
    assert (b"ERR " in got.content) == in_band, got.content


# -- GitHub over HTTPS: who may clone and push -----------------------------------------------


@behaviour("GH-210", "a public repository clones without credentials; a private one answers "
           "401 with WWW-Authenticate: Basic realm=\"GitHub\" (git asks for credentials), "
           "and clones with a token as the Basic password under any user name",
           cite=f"{HTTPS_URLS}; {TOKEN_AUTH}")
def test_anonymous_and_token_clone(target: Target, work: Workdir) -> None:
    remote = _github(target)
    public = remote.new_repo("public")
    work.git("clone", "-q", remote.url(public, token=None), "anon")
    private = remote.new_repo("private", private=True)
    anonymous = remote.url(private, token=None)
    challenged = _git_http(target, "GET", f"{anonymous}/info/refs?service=git-upload-pack",
                           token=None)
    assert challenged.status_code == 401
    assert challenged.headers["WWW-Authenticate"] == 'Basic realm="GitHub"'
    out = work.fails("clone", anonymous, "refused")
    assert "could not read Username" in out, out
    work.git("clone", "-q", remote.url(private), "mine")
    scheme, _, rest = remote.origin.partition("://")
    any_user = f"{scheme}://someone:{target.token}@{rest}/{private}.git"
    work.git("clone", "-q", any_user, "any-user")
    pushes = _git_http(target, "GET", f"{anonymous}/info/refs?service=git-receive-pack",
                       token=None)
    assert pushes.status_code == 401


@behaviour("GH-211", "an unknown token is 401 'Invalid username or token. Password "
           "authentication is not supported for Git operations.'; a private repository is "
           "'Repository not found.' to a user without access", cite=f"{REPO_NOT_FOUND}; "
           "https://github.blog/changelog/2021-08-12-git-password-authentication-is-shutting-"
           "down/")
def test_bad_token_and_stranger(target: Target, work: Workdir) -> None:
    target.require("mint_tokens")
    remote = _github(target)
    private = remote.new_repo("hidden", private=True)
    out = work.fails("clone", remote.url(private, token="ghp_" + "0" * 36), "bad")
    assert "remote: Invalid username or token. Password authentication is not supported " \
           "for Git operations." in out, out
    assert "Authentication failed" in out, out
    stranger = target.mint_token("vf-stranger", scopes=("repo",))
    out = work.fails("clone", remote.url(private, token=stranger), "stranger")
    assert "remote: Repository not found." in out, out
    assert "not found" in out.splitlines()[-1], out


@behaviour("GH-212", "a token that may read but not write clones and cannot push: 403, "
           "'Permission to <owner>/<repo>.git denied to <login>.' for a read collaborator, "
           "'Write access to repository not granted.' for a fine-grained token with "
           "contents: read; nothing changes", cite=f"{PUSH_403}; {DOCS}/authentication/"
           "permissions-required-for-fine-grained-personal-access-tokens")
def test_read_only_cannot_push(target: Target, work: Workdir) -> None:
    target.require("mint_tokens")
    remote = _github(target)
    repo = remote.new_repo("readonly", private=True)
    main = head_of(target, repo)
    target.add_collaborator(repo, "vf-reader", "read")
    reader = target.mint_token("vf-reader", scopes=("repo",))
    work.git("clone", "-q", remote.url(repo, token=reader), "c")
    work.commit("c", {"r.txt": "r\n"}, "by a reader")
    out = work.fails("push", "origin", "main", cwd="c")
    assert f"remote: Permission to {repo}.git denied to vf-reader." in out, out
    assert "The requested URL returned error: 403" in out, out
    owner = target.http("GET", "/user").json()["login"]
    fine = target.mint_token(owner, permissions={"contents": "read"}, repositories=(repo,))
    work.git("remote", "set-url", "origin", remote.url(repo, token=fine), cwd="c")
    work.git("fetch", "-q", "origin", cwd="c")
    out = work.fails("push", "origin", "main", cwd="c")
    assert "remote: Write access to repository not granted." in out, out
    assert head_of(target, repo) == main


# -- GitHub's push rules -------------------------------------------------------------------


@behaviour("GH-213", "a push to a branch that requires reviews is refused for that ref "
           "('GH006: Protected branch update failed for refs/heads/main.', the reason, "
           "'protected branch hook declined') while the other refs of the push land",
           cite=f"{ABOUT}; {GH006}")
def test_protected_branch_push(target: Target, work: Workdir) -> None:
    remote = _github(target)
    repo = remote.new_repo("gh006")
    main = head_of(target, repo)
    _protect(target, repo, required_pull_request_reviews={
        "required_approving_review_count": 1})
    work.git("clone", "-q", remote.url(repo), "c")
    mine = work.commit("c", {"p.txt": "p\n"}, "direct")
    out = work.fails("push", "origin", "main", "main:refs/heads/side", cwd="c")
    assert "remote: error: GH006: Protected branch update failed for refs/heads/main." \
        in out, out
    assert "remote: error: At least 1 approving review is required by reviewers with " \
        "write access." in out, out
    assert "! [remote rejected] main -> main (protected branch hook declined)" in out, out
    assert "* [new branch]      main -> side" in out, out
    assert head_of(target, repo) == main
    assert head_of(target, repo, "side") == mine


@behaviour("GH-214", "protection without reviews: a fast forward lands; a force push is "
           "refused ('Cannot force-push to this branch') unless force pushes are allowed; "
           "deleting is refused ('Cannot delete this protected branch') unless deletions "
           "are allowed; required status checks refuse every push", cite=ABOUT)
def test_protection_push_rules(target: Target, work: Workdir) -> None:
    remote = _github(target)
    repo = remote.new_repo("rules")
    _protect(target, repo)
    work.git("clone", "-q", remote.url(repo), "c")
    work.commit("c", {"f.txt": "1\n"}, "fast forward")
    work.git("push", "-q", "origin", "main", cwd="c")
    work.git("commit", "-q", "--amend", "-m", "rewritten", cwd="c")
    out = work.fails("push", "--force", "origin", "main", cwd="c")
    assert "remote: error: Cannot force-push to this branch" in out, out
    work.git("push", "-q", "origin", "HEAD:refs/heads/release", cwd="c")
    _protect(target, repo, "release")
    out = work.fails("push", "origin", "--delete", "release", cwd="c")
    assert "remote: error: Cannot delete this protected branch" in out, out
    _protect(target, repo, allow_force_pushes=True)
    rewritten = work.git("rev-parse", "HEAD", cwd="c").strip()
    work.git("push", "-q", "--force", "origin", "main", cwd="c")
    assert head_of(target, repo) == rewritten
    _protect(target, repo, required_status_checks={"strict": False, "contexts": ["ci"]})
    work.commit("c", {"f.txt": "2\n"}, "needs ci")
    out = work.fails("push", "origin", "main", cwd="c")
    assert 'remote: error: Required status check "ci" is expected.' in out, out
    assert head_of(target, repo) == rewritten
    work.git("push", "-q", "origin", "HEAD:refs/heads/gone", cwd="c")
    _protect(target, repo, "gone", allow_deletions=True)
    work.git("push", "-q", "origin", "--delete", "gone", cwd="c")
    assert "refs/heads/gone" not in ls_remote(work, remote.url(repo))


@behaviour("GH-215", "a push shows in the REST API (branch, commit, contents, an open pull "
           "request's head sha and mergeable computed again), and a REST write shows in the "
           "next fetch", cite=f"{DOCS}/pulls/pulls#get-a-pull-request; {GIT_HTTP}")
def test_push_and_rest_agree(target: Target, work: Workdir) -> None:
    remote = _github(target)
    repo = remote.new_repo("agree")
    work.git("clone", "-q", remote.url(repo), "c")
    work.git("checkout", "-q", "-b", "topic", cwd="c")
    first = work.commit("c", {"t.txt": "one\n"}, "topic one")
    work.git("push", "-q", "origin", "topic", cwd="c")
    assert head_of(target, repo, "topic") == first
    pull = target.http("POST", f"/repos/{repo}/pulls", json={
        "title": "Topic", "head": "topic", "base": "main"})
    assert pull.status_code == 201, pull.text
    number = pull.json()["number"]
    assert pull.json()["head"]["sha"] == first
    second = work.commit("c", {"t.txt": "two\n"}, "topic two")
    work.git("push", "-q", "origin", "topic", cwd="c")
    read = target.http("GET", f"/repos/{repo}/pulls/{number}").json()
    assert read["head"]["sha"] == second
    if target.capabilities.mergeable_null_first:  # type: ignore[attr-defined]
        assert read["mergeable"] is None
    assert target.held_file(repo, "t.txt", "topic") == b"two\n"
    commit = target.http("GET", f"/repos/{repo}/commits/{second}")
    assert commit.status_code == 200
    assert commit.json()["commit"]["message"].rstrip("\n") == "topic two"
    branch = target.http("GET", f"/repos/{repo}/branches/topic").json()
    assert branch["commit"]["sha"] == second
    written = put_file(target, repo, "from-api.txt", "api\n", message="via REST")
    assert written.status_code == 201, written.text
    work.git("checkout", "-q", "main", cwd="c")
    work.git("pull", "-q", "--ff-only", cwd="c")
    assert work.git("log", "-1", "--format=%s", cwd="c").strip() == "via REST"
    assert work.git("show", "HEAD:from-api.txt", cwd="c") == "api\n"


@behaviour("GH-218", "linear history refuses a push that brings a merge commit ('This branch "
           "must not contain merge commits.'); required reviews with a count of 0 still "
           "refuse direct pushes ('Changes must be made through a pull request.')",
           cite=f"{ABOUT}#require-linear-history; "
                f"{ABOUT}#require-pull-request-reviews-before-merging")
def test_linear_history_and_pull_only(target: Target, work: Workdir) -> None:
    remote = _github(target)
    repo = remote.new_repo("linear")
    main = head_of(target, repo)
    _protect(target, repo, required_linear_history=True)
    work.git("clone", "-q", remote.url(repo), "c")
    work.git("checkout", "-q", "-b", "side", cwd="c")
    work.commit("c", {"side.txt": "s\n"}, "side")
    work.git("checkout", "-q", "main", cwd="c")
    work.commit("c", {"main.txt": "m\n"}, "main")
    work.git("merge", "-q", "--no-ff", "-m", "merge side", "side", cwd="c")
    out = work.fails("push", "origin", "main", cwd="c")
    assert "remote: error: This branch must not contain merge commits." in out, out
    assert head_of(target, repo) == main
    work.git("reset", "-q", "--hard", "HEAD~1", cwd="c")
    work.git("push", "-q", "origin", "main", cwd="c")
    _protect(target, repo, required_pull_request_reviews={
        "required_approving_review_count": 0})
    work.commit("c", {"more.txt": "m\n"}, "more")
    out = work.fails("push", "origin", "main", cwd="c")
    assert "remote: error: Changes must be made through a pull request." in out, out


@behaviour("GH-219", "the fake's own edges of git over HTTP: injected faults reach git as "
           "HTTP errors (500, 429), credentials that are not Basic or Bearer are refused "
           "401, a body that is not gzip is 400, v2 requests it cannot read end in an ERR "
           "packet, and wait-for-done holds the pack back (fake only)",
           cite=f"{GIT_HTTP}; {GIT_V2}; https://docs.github.com/rest/using-the-rest-api/"
                "rate-limits-for-the-rest-api#exceeding-the-rate-limit")
def test_fake_edges(target: Target, work: Workdir) -> None:
    target.require("fault_injection")
    from fakes.faults import ProviderFault, Throttle

    remote = _github(target)
    repo = remote.new_repo("edges")
    url = remote.url(repo, token=None)
    target.inject(ProviderFault(status=500, message="Server Error"),
                  on="smart-http/upload-pack")
    out = work.fails("clone", remote.url(repo), "broken")
    assert "The requested URL returned error: 500" in out, out
    target.inject(Throttle(retry_after=3), on="smart-http/info-refs/*")
    throttled = _git_http(target, "GET", f"{url}/info/refs?service=git-upload-pack")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "3"
    for header in ("Basic !!!", "Digest abc"):
        refused = requests.get(f"{url}/info/refs?service=git-upload-pack", timeout=60,
                               headers={"Authorization": header, "User-Agent": "git/2"})
        assert refused.status_code == 401, refused.text
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="GitHub"'
    bearer = requests.get(f"{url}/info/refs?service=git-receive-pack", timeout=60,
                          headers={"Authorization": f"Bearer {target.token}",
                                   "User-Agent": "git/2"})
    assert bearer.status_code == 200
    not_gzip = _git_http(target, "POST", f"{url}/git-upload-pack", data=b"plain",
                         headers={"Content-Type": "application/x-git-upload-pack-request",
                                  "Content-Encoding": "gzip"})
    assert not_gzip.status_code == 400, not_gzip.text
    v2 = {"Content-Type": "application/x-git-upload-pack-request", "Git-Protocol": "version=2"}
    main = head_of(target, repo).encode()

    def pkt(data: bytes) -> bytes:
        return b"%04x" % (len(data) + 4) + data

    for body, error in ((b"zzzz", b"bad line length character"),
                        (b"0003", b"bad line length 3"),
                        (b"00ffcommand=ls-refs", b"the request ends in a packet"),
                        (pkt(b"agent=x\n") + b"0000", b"no command requested"),
                        (pkt(b"command=fetch\n") + b"0001" + pkt(b"deepen-since 1\n") + b"0000",
                         b"unexpected line: 'deepen-since 1'"),
                        (pkt(b"command=fetch\n") + b"0001" + pkt(b"want " + b"5" * 40 + b"\n")
                         + b"0000", b"not our ref")):
        got = _git_http(target, "POST", f"{url}/git-upload-pack", data=body, headers=v2)
        assert got.status_code == 200 and b"ERR " in got.content and error in got.content, \
            (body, got.content)
    waiting = _git_http(target, "POST", f"{url}/git-upload-pack", headers=v2, data=(
        pkt(b"command=fetch\n") + b"0001" + pkt(b"want " + main + b"\n") +
        pkt(b"have " + main + b"\n") + pkt(b"wait-for-done\n") + pkt(b"include-tag\n") +
        b"0000"))
    assert waiting.content == (pkt(b"acknowledgments\n") + pkt(b"ACK " + main + b"\n") +
                               b"0000"), waiting.content
    work.git("clone", "-q", remote.url(repo), "c")
    work.git("tag", "-a", "-m", "t", "v1", cwd="c")
    work.git("push", "-q", "origin", "v1", cwd="c")
    tagged = _git_http(target, "POST", f"{url}/git-upload-pack", headers=v2, data=(
        pkt(b"command=fetch\n") + b"0001" + pkt(b"want " + main + b"\n") +
        pkt(b"include-tag\n") + pkt(b"done\n") + b"0000"))
    assert b"packfile" in tagged.content


@behaviour("GH-221", "a git push fires the events a REST write does: push (for branches and "
           "tags, created and deleted too) with the pusher as sender, create and delete "
           "(ref as the short name, ref_type branch or tag, master_branch, pusher_type user), "
           "and pull_request synchronize for an open pull request whose head moved",
           cite="https://docs.github.com/webhooks/webhook-events-and-payloads#push; "
                "https://docs.github.com/webhooks/webhook-events-and-payloads#create; "
                "https://docs.github.com/webhooks/webhook-events-and-payloads#delete; "
                "https://docs.github.com/webhooks/webhook-events-and-payloads#pull_request")
def test_push_events(target: Target, work: Workdir, receiver: Receiver) -> None:
    remote = _github(target)
    repo = remote.new_repo("push-events")
    _hook(target, f"/repos/{repo}", receiver.url,
          events=["push", "create", "delete", "pull_request"])
    work.git("clone", "-q", remote.url(repo), "c")
    work.git("checkout", "-q", "-b", "topic", cwd="c")
    first = work.commit("c", {"t.txt": "one\n"}, "topic one")
    work.git("push", "-q", "origin", "topic", cwd="c")
    pull = target.http("POST", f"/repos/{repo}/pulls", json={
        "title": "Topic", "head": "topic", "base": "main"})
    assert pull.status_code == 201, pull.text
    second = work.commit("c", {"t.txt": "two\n"}, "topic two")
    work.git("tag", "-a", "-m", "one", "v1", cwd="c")
    annotated = work.git("rev-parse", "v1", cwd="c").strip()
    work.git("push", "-q", "origin", "topic", "v1", cwd="c")
    work.git("push", "-q", "origin", "HEAD:refs/heads/doomed", cwd="c")
    work.git("push", "-q", "origin", "--delete", "doomed", "v1", cwd="c")
    # ping, pushes: topic x2, v1, doomed, doomed and v1 deleted; creates: topic, v1,
    # doomed; deletes: doomed, v1; pull_request: opened, synchronize
    received = receiver.events(14)
    pushes = {(p["ref"], p["after"]): p for p in _of(received, "push")}
    created = pushes[("refs/heads/topic", first)]
    assert created["created"] is True and created["before"] == "0" * 40
    moved = pushes[("refs/heads/topic", second)]
    assert moved["before"] == first and moved["created"] is False
    assert moved["deleted"] is False and moved["forced"] is False
    assert [c["id"] for c in moved["commits"]] == [second]
    assert moved["head_commit"]["id"] == second
    assert moved["sender"]["login"] == target.owner and moved["repository"]["full_name"] == repo
    gone = pushes[("refs/heads/doomed", "0" * 40)]
    assert gone["deleted"] is True and gone["before"] == second and gone["commits"] == []
    assert gone["head_commit"] is None
    tag = pushes[("refs/tags/v1", annotated)]
    assert tag["created"] is True and tag["commits"] == []
    assert tag["head_commit"]["id"] == second
    creates = sorted((c["ref"], c["ref_type"]) for c in _of(received, "create"))
    assert creates == [("doomed", "branch"), ("topic", "branch"), ("v1", "tag")]
    create = _of(received, "create")[0]
    assert create["master_branch"] == "main" and create["pusher_type"] == "user"
    assert create["sender"]["login"] == target.owner
    deletes = sorted((d["ref"], d["ref_type"]) for d in _of(received, "delete"))
    assert deletes == [("doomed", "branch"), ("v1", "tag")]
    assert _of(received, "delete")[0]["pusher_type"] == "user"
    synced = [p for p in _of(received, "pull_request") if p["action"] == "synchronize"]
    assert [(p["before"], p["after"]) for p in synced] == [(first, second)]
    assert synced[0]["pull_request"]["head"]["sha"] == second
    assert synced[0]["sender"]["login"] == target.owner


@behaviour("GH-222", "a push to an open pull request's head: the approval of the old head is "
           "dismissed when protection says dismiss_stale_reviews, statuses stay with the old "
           "sha (the new head has none), mergeable reads null and is then computed again",
           cite=f"{ABOUT}#require-pull-request-reviews-before-merging (dismiss stale pull "
                f"request approvals when new commits are pushed); {DOCS}/commits/statuses; "
                f"{DOCS}/pulls/pulls#get-a-pull-request")
def test_push_updates_the_pull_request(target: Target, work: Workdir) -> None:
    remote = _github(target)
    repo = remote.new_repo("push-pull")
    work.git("clone", "-q", remote.url(repo), "c")
    work.git("checkout", "-q", "-b", "feature", cwd="c")
    first = work.commit("c", {"f.txt": "f\n"}, "feature one")
    work.git("push", "-q", "origin", "feature", cwd="c")
    number = target.http("POST", f"/repos/{repo}/pulls", json={
        "title": "Feature", "head": "feature", "base": "main"}).json()["number"]
    _protect(target, repo, required_pull_request_reviews={
        "required_approving_review_count": 1, "dismiss_stale_reviews": True})
    token = reviewer(target, repo, "vf-push-reviewer")
    assert review(target, repo, number, token, event="APPROVE").status_code == 200
    status(target, repo, first, "success", "ci")
    second = work.commit("c", {"f.txt": "g\n"}, "feature two")
    work.git("push", "-q", "origin", "feature", cwd="c")
    states = [r["state"] for r in target.http(
        "GET", f"/repos/{repo}/pulls/{number}/reviews").json()]
    assert states == ["DISMISSED"]
    assert combined(target, repo, second)["total_count"] == 0
    assert combined(target, repo, first)["state"] == "success"
    read = target.http("GET", f"/repos/{repo}/pulls/{number}").json()
    assert read["head"]["sha"] == second
    if target.capabilities.mergeable_null_first:  # type: ignore[attr-defined]
        assert read["mergeable"] is None
    for _ in range(20):
        again = target.http("GET", f"/repos/{repo}/pulls/{number}").json()
        if again["mergeable"] is not None:
            break
        target.wait(1)
    assert again["mergeable"] is True
