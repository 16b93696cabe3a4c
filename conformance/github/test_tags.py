"""Tags: annotated tag objects through the Git database API, the references that make them
tags, and the tag list with lightweight and annotated tags."""

from __future__ import annotations

from datetime import datetime

import pytest

from fakes.conformance.github._git_remote import TargetRemote, Workdir, git_exec_path
from fakes.conformance.github._support import assert_error, head_of
from fakes.conformance.github.targets import DOCS, GIT_OBJECTS, Target, git_hash

behaviour = pytest.mark.behaviour

TAGS = f"{DOCS}/git/tags"
CREATE = f"{TAGS}#create-a-tag-object (git/create-tag)"
GET = f"{TAGS}#get-a-tag (git/get-tag)"
LIST = f"{DOCS}/repos/repos#list-repository-tags (repos/list-tags)"
GIT_TAG = "https://git-scm.com/docs/git-tag; https://git-scm.com/docs/git-mktag"
TAGGER = {"name": "Release Bot", "email": "release@example.com",
          "date": "2026-01-02T03:04:05Z"}


def _tag_object(target: Target, repo: str, name: str, sha: str, kind: str = "commit",
                message: str = "Release\n") -> dict[str, object]:
    made = target.http("POST", f"/repos/{repo}/git/tags", json={
        "tag": name, "message": message, "object": sha, "type": kind, "tagger": TAGGER})
    assert made.status_code == 201, made.text
    body: dict[str, object] = made.json()
    return body


def _expected_id(name: str, sha: str, kind: str, message: str) -> str:
    """The id git gives the tag object (GIT_OBJECTS; git-mktag's format)."""
    when = int(datetime.fromisoformat(TAGGER["date"].replace("Z", "+00:00")).timestamp())
    raw = (f"object {sha}\ntype {kind}\ntag {name}\n"
           f"tagger {TAGGER['name']} <{TAGGER['email']}> {when} +0000\n\n{message}")
    return git_hash("tag", raw.encode())


@behaviour("GH-333", "POST git/tags answers 201 with the tag object: tag, message, tagger, "
           "object {sha, type}; its sha is the id git gives the same object; GET "
           "git/tags/{sha} answers it again, and 404 for a sha that is not a tag",
           cite=f"{CREATE}; {GET}; {GIT_OBJECTS}")
def test_create_and_get(target: Target) -> None:
    repo = target.new_repo("tag-object")
    main = head_of(target, repo)
    made = _tag_object(target, repo, "v1.0", main, message="Release 1.0\n")
    assert made["sha"] == _expected_id("v1.0", main, "commit", "Release 1.0\n")
    assert made["tag"] == "v1.0" and made["message"] == "Release 1.0\n"
    assert made["tagger"] == TAGGER
    assert made["object"] == {"sha": main, "type": "commit",
                              "url": f"{target.api_url}/repos/{repo}/git/commits/{main}"}
    got = target.http("GET", f"/repos/{repo}/git/tags/{made['sha']}")
    assert got.status_code == 200 and got.json() == made
    assert_error(target.http("GET", f"/repos/{repo}/git/tags/{main}"), 404)
    tree = target.http("GET", f"/repos/{repo}/git/commits/{main}").json()["tree"]["sha"]
    on_tree = _tag_object(target, repo, "tree-tag", tree, kind="tree")
    assert on_tree["object"]["type"] == "tree"  # type: ignore[index]


@behaviour("GH-334", "a tag object is a tag once refs/tags/<name> names it: the reference "
           "reads object type tag, and the tag list shows annotated and lightweight tags "
           "alike, each with the commit it names in the end", cite=f"{CREATE} (\"create the "
           f"refs/tags/[tag] reference\"); {LIST}; {DOCS}/git/refs#create-a-reference")
def test_annotated_and_lightweight(target: Target) -> None:
    repo = target.new_repo("tag-list")
    main = head_of(target, repo)
    made = _tag_object(target, repo, "v2.0", main)
    assert target.http("GET", f"/repos/{repo}/tags").json() == []
    for ref, sha in (("refs/tags/v2.0", made["sha"]), ("refs/tags/light", main)):
        created = target.http("POST", f"/repos/{repo}/git/refs", json={"ref": ref, "sha": sha})
        assert created.status_code == 201, created.text
    annotated = target.http("GET", f"/repos/{repo}/git/ref/tags/v2.0").json()["object"]
    assert annotated["type"] == "tag" and annotated["sha"] == made["sha"]
    assert annotated["url"] == f"{target.api_url}/repos/{repo}/git/tags/{made['sha']}"
    light = target.http("GET", f"/repos/{repo}/git/ref/tags/light").json()["object"]
    assert light["type"] == "commit" and light["sha"] == main
    listed = {t["name"]: t["commit"]["sha"] for t in
              target.http("GET", f"/repos/{repo}/tags").json()}
    assert listed == {"v2.0": main, "light": main}


@behaviour("GH-335", "POST git/tags without tag, message, object or type is 422; an object "
           "that does not exist, or that is not of the type given, is 422; nothing is made",
           cite=CREATE)
def test_refusals(target: Target) -> None:
    repo = target.new_repo("tag-refused")
    main = head_of(target, repo)
    for missing in ("tag", "message", "object", "type"):
        body = {"tag": "t", "message": "m", "object": main, "type": "commit"}
        del body[missing]
        assert_error(target.http("POST", f"/repos/{repo}/git/tags", json=body), 422)
    absent = target.http("POST", f"/repos/{repo}/git/tags", json={
        "tag": "t", "message": "m", "object": "1" * 40, "type": "commit"})
    assert_error(absent, 422)
    for kind in ("tree", "gist"):  # not the object's type; not a type at all
        wrong = target.http("POST", f"/repos/{repo}/git/tags", json={
            "tag": "t", "message": "m", "object": main, "type": kind})
        assert_error(wrong, 422)
    assert target.http("GET", f"/repos/{repo}/tags").json() == []


@pytest.mark.skipif(git_exec_path() is None, reason="git is not installed")
@behaviour("GH-336", "git sees the API's tags: a clone has the annotated tag as a tag object "
           "of the same id that peels to the commit, the lightweight tag as the commit, and "
           "git fsck finds the objects sound", cite=f"{CREATE}; {GIT_TAG}")
def test_git_sees_the_tags(target: Target, work: Workdir) -> None:
    remote = TargetRemote(target)
    repo = remote.new_repo("tag-git")
    main = head_of(target, repo)
    made = _tag_object(target, repo, "v3.0", main, message="Three\n")
    for ref, sha in (("refs/tags/v3.0", made["sha"]), ("refs/tags/v3-light", main)):
        assert target.http("POST", f"/repos/{repo}/git/refs",
                           json={"ref": ref, "sha": sha}).status_code == 201
    work.git("clone", "-q", remote.url(repo), "c")
    assert work.git("cat-file", "-t", "v3.0", cwd="c").strip() == "tag"
    assert work.git("rev-parse", "v3.0", cwd="c").strip() == made["sha"]
    assert work.git("rev-parse", "v3.0^{commit}", cwd="c").strip() == main
    assert work.git("cat-file", "-t", "v3-light", cwd="c").strip() == "commit"
    assert "Three" in work.git("tag", "-l", "-n1", "v3.0", cwd="c")
    work.git("fsck", "--strict", cwd="c")
