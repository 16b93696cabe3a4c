"""Annotated tags through the Git database API: tag objects as git writes them. No HTTP.

https://docs.github.com/rest/git/tags#create-a-tag-object: the object is made alone; the
tag only shows in the repository once a ``refs/tags/<name>`` reference names it
(``git/create-ref``). A lightweight tag is such a reference to a commit directly.
"""

from __future__ import annotations

from fakes.github._errors import fail, validation_failed
from fakes.github._git import Person
from fakes.github._model import REFS_DOCS, GitHubState, Repository

__all__ = ["TAGS_DOCS", "create_tag"]

TAGS_DOCS = "https://docs.github.com/rest/git/tags"
_KINDS = ("commit", "tree", "blob", "tag")


def create_tag(state: GitHubState, repo: Repository, name: str, message: str, target: str,
               kind: str, tagger: Person | None, actor: str) -> str:
    """The tag object's id; 422 when ``target`` is not an object of type ``kind``."""
    with state.lock:
        state.require_not_empty(repo)
        if kind not in _KINDS:
            raise validation_failed({"resource": "Tag", "field": "type", "code": "invalid"},
                                    docs=f"{TAGS_DOCS}#create-a-tag-object")
        found = repo.git.get(target)
        if found is None:
            raise fail(422, "Object does not exist", REFS_DOCS)
        if found.type_name.decode() != kind:
            raise validation_failed({"resource": "Tag", "field": "type", "code": "invalid"},
                                    docs=f"{TAGS_DOCS}#create-a-tag-object")
        sha = repo.git.add_tag(name, message, target.lower(), tagger)
        state.journal.record(actor, "git.tag.create", repo.full_name, sha=sha, tag=name)
        return sha
