"""A repository's settings and what they change: the update (rename, visibility, default
branch, features, merge methods), archiving, topics, and the redirects a rename leaves.
No HTTP.

Sources: https://docs.github.com/rest/repos/repos#update-a-repository (the fields, and
its ``307`` for a renamed repository), #replace-all-repository-topics (names saved as
lowercase), https://docs.github.com/repositories/archiving-a-github-repository/
archiving-repositories (an archived repository is read-only), and the 2015 change note
on repository redirects (https://developer.github.com/changes/2015-04-17-preview-
repository-redirects/: an old name answers ``301`` or ``307`` to ``/repositories/<id>``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from fakes.github._errors import GitHubError, fail, validation_failed

if TYPE_CHECKING:
    from fakes.github._model import GitHubState, Repository

__all__ = ["ARCHIVED", "RepositoryMoved", "Settings", "merge_method_refusal",
           "refuse_archived", "replace_topics", "update_repository"]

UPDATE_DOCS = "https://docs.github.com/rest/repos/repos#update-a-repository"
TOPICS_DOCS = "https://docs.github.com/rest/repos/repos#replace-all-repository-topics"
#: GitHub's answer to a write to an archived repository (as its users report it:
#: github.com/r-universe-org/help/issues/247, github.com/mozilla/fxa/pull/293).
ARCHIVED = "Repository was archived so is read-only."
#: Topic rules (classifying-your-repository-with-topics): lowercase letters, numbers and
#: hyphens, 50 characters at most, 20 topics at most.
_TOPIC = re.compile(r"[a-z0-9][a-z0-9-]{0,49}")
BAD_TOPIC = ("Topics must start with a lowercase letter or number, consist of 50 characters "
             "or less, and can include hyphens.")
TOO_MANY_TOPICS = "A repository cannot have more than 20 topics."
#: The merge methods and the setting that allows each; the 405 when it is off (as
#: reported: github.com/bazelbuild/continuous-integration/pull/2178,
#: github.com/rue-language/rue/pull/2053).
MERGE_METHODS = {"merge": ("allow_merge_commit", "Merge commits"),
                 "squash": ("allow_squash_merge", "Squash merges"),
                 "rebase": ("allow_rebase_merge", "Rebase merges")}
_FLAGS = ("has_issues", "has_projects", "has_wiki", "has_discussions", "is_template",
          "allow_merge_commit", "allow_squash_merge", "allow_rebase_merge",
          "allow_auto_merge", "delete_branch_on_merge", "allow_update_branch",
          "allow_forking", "web_commit_signoff_required")
#: The type each modelled field takes (a wrong one is 422 naming the field).
_TYPES: dict[str, type | tuple[type, ...]] = {
    **dict.fromkeys((*_FLAGS, "archived", "private"), bool),
    **dict.fromkeys(("name", "visibility", "default_branch"), str),
    **dict.fromkeys(("description", "homepage"), (str, type(None)))}
_MODELLED = frozenset(_TYPES)


@attrs.frozen
class Settings:
    """What ``PATCH /repos/{owner}/{repo}`` sets besides the name, the description, the
    visibility and the default branch (those live on the repository)."""

    homepage: str | None = None
    archived: bool = False
    topics: tuple[str, ...] = ()
    has_issues: bool = True
    has_projects: bool = True
    has_wiki: bool = True
    has_discussions: bool = False
    is_template: bool = False
    allow_merge_commit: bool = True
    allow_squash_merge: bool = True
    allow_rebase_merge: bool = True
    allow_auto_merge: bool = False
    delete_branch_on_merge: bool = False
    allow_update_branch: bool = False
    allow_forking: bool = True
    web_commit_signoff_required: bool = False


class RepositoryMoved(GitHubError):
    """A repository asked for by a name it no longer has: the wire answers a redirect
    to ``/repositories/<id>`` (301 for reads, 307 for the rest)."""

    def __init__(self, repository_id: int) -> None:
        super().__init__("Moved Permanently", status=301,
                         documentation_url="https://docs.github.com/rest/using-the-rest-api/"
                         "best-practices-for-using-the-rest-api#follow-redirects")
        self.repository_id = repository_id


def refuse_archived(repo: Repository) -> None:
    """403 for a write to an archived repository."""
    if repo.settings.archived:
        raise fail(403, ARCHIVED, UPDATE_DOCS)


def _invalid(field: str) -> GitHubError:
    return validation_failed({"resource": "Repository", "code": "invalid", "field": field},
                             docs=UPDATE_DOCS)


def update_repository(state: GitHubState, repo: Repository, changes: Mapping[str, Any],
                      actor: str) -> None:
    """Apply a ``PATCH /repos/{owner}/{repo}`` body: every field is checked before any is
    applied, so a refused update changes nothing. An archived repository takes only an
    update that unarchives it."""
    unmodelled = sorted(set(changes) - _MODELLED)
    if unmodelled:
        raise fail(501, f"verified-fakes: the repository settings {', '.join(unmodelled)} "
                   "are not modelled by the GitHub fake; see verified-fakes "
                   "docs/github.md#not-modelled", UPDATE_DOCS)
    with state.lock:
        if repo.settings.archived and changes.get("archived") is not False:
            raise fail(403, ARCHIVED, UPDATE_DOCS)
        for field, value in changes.items():
            if not isinstance(value, _TYPES[field]):
                raise _invalid(field)
        updates = {field: changes[field] for field in (*_FLAGS, "archived") if field in changes}
        if "homepage" in changes:
            updates["homepage"] = changes["homepage"] or None
        description = changes.get("description", repo.description)
        private = changes.get("private", repo.private)
        if "visibility" in changes:
            if changes["visibility"] not in ("public", "private"):
                # internal needs an Enterprise organization, which the fake does not model
                raise _invalid("visibility")
            private = changes["visibility"] == "private"
        branch = changes.get("default_branch", repo.default_branch)
        if branch != repo.default_branch and repo.branch_head(branch) is None:
            raise _invalid("default_branch")
        name = changes.get("name", repo.name)
        if name != repo.name:
            state.check_new_name(repo.owner, name, moving=repo)
        # Everything is valid: apply (an update that changes nothing writes nothing).
        before = (repo.name, repo.description, repo.private, repo.default_branch,
                  repo.settings)
        # What the repository webhook event tells (renamed, edited … with old values).
        was = {"name": repo.name, "description": repo.description,
               "homepage": repo.settings.homepage, "default_branch": repo.default_branch,
               "private": repo.private, "archived": repo.settings.archived}
        if name != repo.name:
            state.rename_repo(repo, name)
        repo.description = description
        repo.private = private
        if branch != repo.default_branch:
            repo.default_branch = branch
            repo.git.set_head(branch)
        repo.settings = attrs.evolve(repo.settings, **updates)
        if (repo.name, repo.description, repo.private, repo.default_branch,
                repo.settings) != before:
            repo.updated_at = state.clock.now()
            state.journal.record(actor, "repo.update", repo.full_name, fields=sorted(changes),
                                 was=was)


def replace_topics(state: GitHubState, repo: Repository, names: Sequence[Any],
                   actor: str) -> tuple[str, ...]:
    """PUT topics (TOPICS_DOCS): names are saved lowercase, each must be a topic GitHub
    accepts, at most 20; duplicates count once."""
    with state.lock:
        refuse_archived(repo)
        topics: list[str] = []
        for name in names:
            if not isinstance(name, str) or not _TOPIC.fullmatch(name.lower()):
                raise validation_failed(BAD_TOPIC, docs=TOPICS_DOCS)
            if name.lower() not in topics:
                topics.append(name.lower())
        if len(topics) > 20:
            raise validation_failed(TOO_MANY_TOPICS, docs=TOPICS_DOCS)
        if tuple(topics) != repo.settings.topics:
            repo.settings = attrs.evolve(repo.settings, topics=tuple(topics))
            repo.updated_at = state.clock.now()
            state.journal.record(actor, "repo.topics", repo.full_name, names=topics)
        return repo.settings.topics


def merge_method_refusal(repo: Repository, method: str) -> str | None:
    """The 405 message when the repository's settings do not allow ``method``."""
    setting, label = MERGE_METHODS[method]
    if getattr(repo.settings, setting):
        return None
    return f"{label} are not allowed on this repository."
