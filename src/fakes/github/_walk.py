"""Object walks over a repository's objects in memory, for git over HTTP: what a fetch
must send, and what a push's new objects reference. No HTTP.

dulwich's walks (``MissingObjectFinder``) read every tree through ``iteritems()``,
which sorts the entries and builds a tuple per entry, and that per-entry Python work
was most of a fetch's time. Here a tree's entries are read straight from its dict, and
whole sets of ids are compared at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Set
from typing import Any

from dulwich.objects import Commit, ShaFile, Tag, Tree

__all__ = ["references", "to_send"]

_GITLINK = 0o160000  # a submodule's commit: not an object of this repository
_DIRECTORY = 0o040000
_FORMAT = 0o170000

Objects = Mapping[bytes, ShaFile]


def _entries(tree: Tree) -> Iterable[tuple[int, bytes]]:
    """(mode, id) of a tree's entries, unsorted (dulwich keeps them in ``_entries``)."""
    entries: dict[bytes, tuple[int, bytes]] = getattr(tree, "_entries")  # noqa: B009
    return entries.values()


def references(found: ShaFile) -> list[bytes]:
    """The ids an object names: a commit's tree and parents, a tag's object, a tree's
    entries (submodule commits aside)."""
    if isinstance(found, Commit):
        return [found.tree, *found.parents]
    if isinstance(found, Tag):
        return [found.object[1]]
    if isinstance(found, Tree):
        return [sha for mode, sha in _entries(found) if mode != _GITLINK]
    return []


def _reachable(data: Objects, tree: bytes, into: set[bytes]) -> None:
    """Every tree and blob under ``tree`` (which is added too) into ``into``."""
    into.add(tree)
    todo = [tree]
    while todo:
        found = data[todo.pop()]
        assert isinstance(found, Tree)
        for mode, sha in _entries(found):
            if sha not in into and mode != _GITLINK:
                into.add(sha)
                if mode & _FORMAT == _DIRECTORY:
                    todo.append(sha)


def _ancestors(data: Objects, heads: Iterable[bytes], parents: Callable[[Commit], list[Any]],
               stop: Set[bytes] = frozenset()) -> tuple[set[bytes], set[bytes]]:
    """The commits reachable from ``heads`` without passing ``stop``, and the commits
    of ``stop`` met on the way."""
    found: set[bytes] = set()
    met: set[bytes] = set()
    todo = list(heads)
    while todo:
        sha = todo.pop()
        if sha in stop:
            met.add(sha)
        elif sha not in found:
            found.add(sha)
            commit = data[sha]
            assert isinstance(commit, Commit)
            todo.extend(parents(commit))
    return found, met


def _peeled(data: Objects, ids: Iterable[bytes]) -> tuple[set[bytes], list[bytes], list[bytes]]:
    """Commits, tags and other objects among ``ids`` that the store holds, a tag adding
    what it names (as dulwich's ``_split_commits_and_tags``)."""
    commits: set[bytes] = set()
    tags: list[bytes] = []
    others: list[bytes] = []
    todo = list(ids)
    while todo:
        sha = todo.pop()
        found = data.get(sha)
        if isinstance(found, Commit):
            commits.add(sha)
        elif isinstance(found, Tag):
            tags.append(sha)
            todo.append(found.object[1])
        elif found is not None:
            others.append(sha)
    return commits, tags, others


def to_send(data: Objects, wants: Iterable[bytes], haves: Iterable[bytes],
            parents: Callable[[Commit], list[Any]],
            tagged: Mapping[bytes, bytes]) -> list[bytes]:
    """The objects that ``wants`` reach and the client, holding ``haves`` and all they
    reach, lacks, commits first; an annotated tag of
    ``tagged`` (object → tag) comes along with the object it names (``include-tag``).
    ``parents`` gives a commit's parents (none at a shallow boundary)."""
    have_commits, have_tags, _ = _peeled(data, haves)
    held, _met = _ancestors(data, have_commits, parents)
    want_commits, want_tags, want_others = _peeled(data, wants)
    commits, boundary = _ancestors(data, want_commits, parents, held)
    known: set[bytes] = set(have_tags)
    for sha in boundary:
        commit = data[sha]
        assert isinstance(commit, Commit)
        _reachable(data, commit.tree, known)
    sent: dict[bytes, None] = dict.fromkeys(commits)  # insertion-ordered, as a pack is
    sent.update((sha, None) for sha in want_tags if sha not in known)
    trees: list[bytes] = []
    for sha in [*(data[c].tree for c in commits), *want_others]:  # type: ignore[attr-defined]
        if sha not in known and sha not in sent:
            sent[sha] = None
            if isinstance(data[sha], Tree):
                trees.append(sha)
    while trees:
        tree = data[trees.pop()]
        assert isinstance(tree, Tree)
        for mode, sha in _entries(tree):
            if mode == _GITLINK or sha in known or sha in sent:
                continue
            sent[sha] = None
            if mode & _FORMAT == _DIRECTORY:
                trees.append(sha)
    for sha in list(sent):
        tag = tagged.get(sha)
        if tag is not None and tag not in known and tag not in sent:
            sent[tag] = None
    return list(sent)
