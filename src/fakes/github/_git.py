"""The git object database of one repository, on dulwich: objects and refs only, no rules.

Object ids are computed by dulwich exactly as git computes them, so a blob, tree or
commit made here has the id ``git hash-object`` / ``git commit-tree`` would give it.
The repository is a dulwich ``MemoryRepo``: the smart-HTTP adapter (git clone and
push) can serve the same object store and refs, so there is never a second copy.

Ids are handled as 40-character hex ``str`` outside this module.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs
from dulwich.graph import can_fast_forward, find_merge_base
from dulwich.object_store import commit_tree_changes
from dulwich.objects import Blob, Commit, ShaFile, Tag, Tree
from dulwich.repo import MemoryRepo
from dulwich.walk import Walker
from merge3 import Merge3

if TYPE_CHECKING:
    from dulwich.objects import ObjectID
    from dulwich.refs import Ref

__all__ = ["EMPTY_TREE", "GitObjects", "Person", "TreeChange"]

EMPTY_TREE = Tree().id.decode()
FILE_MODES = {"100644", "100755", "040000", "160000", "120000"}


@attrs.frozen
class Person:
    """An author or committer of a commit."""

    name: str
    email: str
    date: datetime

    def git_identity(self) -> bytes:
        return f"{self.name} <{self.email}>".encode()


@attrs.frozen
class TreeChange:
    """One entry of a tree write: ``sha`` None deletes ``path``."""

    path: str
    mode: str
    sha: str | None


def _bytes_id(sha: str) -> ObjectID:
    return sha.encode("ascii")  # type: ignore[return-value]  # ObjectID is a NewType


def _ref(name: str) -> Ref:
    return name.encode()  # type: ignore[return-value]  # Ref is a NewType


def _mode(value: int) -> str:
    return f"{value:06o}"


class GitObjects:
    """The objects and refs of one repository."""

    def __init__(self, repo: MemoryRepo | None = None,
                 parsed: dict[bytes, ShaFile] | None = None) -> None:
        self.repo = repo if repo is not None else MemoryRepo()
        # History walks read each commit once per walk; the memory store parses a fresh
        # copy on every read. Objects never change, so walks share parsed ones.
        self._parsed: dict[bytes, ShaFile] = parsed if parsed is not None else {}

    def copy(self) -> GitObjects:
        """An independent copy; objects are immutable, so the copy shares them."""
        other = MemoryRepo()
        other.object_store._data = dict(self.repo.object_store._data)  # type: ignore[attr-defined]
        refs: Any = self.repo.refs
        other_refs: Any = other.refs
        other_refs._refs = dict(refs._refs)
        other_refs._peeled = dict(refs._peeled)
        return GitObjects(other, self._parsed)

    # -- objects ------------------------------------------------------------------------

    def get(self, sha: str) -> ShaFile | None:
        if len(sha) != 40:
            return None
        try:
            return self.repo.object_store[_bytes_id(sha.lower())]
        except (KeyError, ValueError):
            return None

    def blob(self, sha: str) -> Blob | None:
        found = self.get(sha)
        return found if isinstance(found, Blob) else None

    def tree(self, sha: str) -> Tree | None:
        found = self.get(sha)
        return found if isinstance(found, Tree) else None

    def commit(self, sha: str) -> Commit | None:
        found = self.get(sha)
        return found if isinstance(found, Commit) else None

    def add_blob(self, data: bytes) -> str:
        blob = Blob.from_string(data)
        self.repo.object_store.add_object(blob)
        return blob.id.decode()

    def write_tree(self, base: str | None, changes: Sequence[TreeChange]) -> str:
        """A tree: ``base`` (or the empty tree) with ``changes`` applied; nested paths make
        the trees between, and a deletion drops directories it leaves empty (and of a
        path that is not there, changes nothing)."""
        if base is None:
            empty = Tree()
            self.repo.object_store.add_object(empty)
            base = empty.id.decode()
        edits = [
            (c.path.encode(), int(c.mode, 8) if c.sha is not None else None,
             _bytes_id(c.sha) if c.sha is not None else None)
            for c in changes
            # deleting what is not there changes nothing
            if c.sha is not None or self.lookup(base, c.path) is not None
        ]
        return commit_tree_changes(self.repo.object_store, _bytes_id(base), edits).decode()

    def add_commit(self, tree: str, parents: Sequence[str], message: str, author: Person,
                   committer: Person) -> str:
        commit = Commit()
        commit.tree = _bytes_id(tree)
        commit.parents = [_bytes_id(p) for p in parents]
        commit.author = author.git_identity()
        commit.committer = committer.git_identity()
        commit.author_time = int(author.date.timestamp())
        commit.commit_time = int(committer.date.timestamp())
        commit.author_timezone = commit.commit_timezone = 0
        commit.message = message.encode()
        self.repo.object_store.add_object(commit)
        return commit.id.decode()

    def add_tag(self, name: str, message: str, target: str, tagger: Person | None) -> str:
        """An annotated tag object naming ``target`` (its type read from the object), as
        ``git mktag`` would write it."""
        found = self.get(target)
        assert found is not None
        tag = Tag()
        tag.object = (type(found), _bytes_id(target))
        tag.name = name.encode()
        tag.message = message.encode()
        if tagger is not None:
            tag.tagger = tagger.git_identity()
            tag.tag_time = int(tagger.date.timestamp())
            tag.tag_timezone = 0
        self.repo.object_store.add_object(tag)
        return tag.id.decode()

    def tag(self, sha: str) -> Tag | None:
        found = self.get(sha)
        return found if isinstance(found, Tag) else None

    def peel(self, sha: str) -> str:
        """What a chain of tags names in the end."""
        found = self.get(sha)
        while isinstance(found, Tag):
            sha = found.object[1].decode()
            found = self.get(sha)
        return sha

    # -- trees ---------------------------------------------------------------------------

    def entries(self, tree: str, recursive: bool = False) -> list[tuple[str, str, str, str]]:
        """``(path, mode, type, sha)`` of a tree's entries, depth first when recursive."""
        found = self.tree(tree)
        assert found is not None
        listed: list[tuple[str, str, str, str]] = []
        for entry in found.iteritems():
            path, mode, sha = entry.path.decode(), entry.mode, entry.sha.decode()
            kind = _kind(mode)
            listed.append((path, _mode(mode), kind, sha))
            if recursive and kind == "tree":
                listed.extend((f"{path}/{p}", m, k, s) for p, m, k, s in self.entries(sha, True))
        return listed

    def files(self, tree: str) -> dict[str, tuple[str, str]]:
        """Every file under ``tree``: path → (mode, blob sha)."""
        return {entry.path.decode(): (_mode(entry.mode), entry.sha.decode())
                for entry in self.repo.object_store.iter_tree_contents(_bytes_id(tree))}

    def lookup(self, tree: str, path: str) -> tuple[str, str, str] | None:
        """``(mode, type, sha)`` of ``path`` under ``tree`` (``""`` is the tree itself)."""
        mode, kind, sha = "040000", "tree", tree
        for part in (p for p in path.split("/") if p):
            current = self.tree(sha) if kind == "tree" else None
            if current is None or part.encode() not in current:
                return None
            raw_mode, raw_sha = current[part.encode()]
            mode, kind, sha = _mode(raw_mode), _kind(raw_mode), raw_sha.decode()
        return mode, kind, sha

    def merge_trees(self, base: str | None, ours: str, theirs: str) -> str | None:
        """The three-way merge of two trees over ``base`` (None: no common ancestor), file
        by file as git resolves them, with a line merge (merge3) where both sides changed
        a file; None when anything conflicts."""
        old = self.files(base) if base else {}
        mine, other = self.files(ours), self.files(theirs)
        merged: dict[str, tuple[str, str]] = {}
        for path in sorted(set(old) | set(mine) | set(other)):
            was, a, b = old.get(path), mine.get(path), other.get(path)
            if a == b or was == b:
                chosen = a
            elif was == a:
                chosen = b
            elif was is None or a is None or b is None or a[0] != b[0]:
                return None  # add/add, modify/delete, or a mode changed both ways
            else:
                content = self._merge_lines(was[1], a[1], b[1])
                if content is None:
                    return None
                chosen = (a[0], self.add_blob(content))
            if chosen is not None:
                merged[path] = chosen
        names = set(merged)
        parents = {path.rsplit("/", i)[0] for path in names for i in range(1, path.count("/") + 1)}
        if parents & names:
            return None  # a file on one side is a directory on the other
        return self.write_tree(None, [TreeChange(p, m, s) for p, (m, s) in merged.items()])

    def _merge_lines(self, base: str, ours: str, theirs: str) -> bytes | None:
        texts = [self.blob(sha) for sha in (base, ours, theirs)]
        lines = [t.as_raw_string().splitlines(keepends=True) if t else [] for t in texts]
        merge = Merge3(lines[0], lines[1], lines[2])
        if any(region[0] == "conflict" for region in merge.merge_regions()):
            return None
        return b"".join(merge.merge_lines())

    # -- history -------------------------------------------------------------------------

    def merge_bases(self, one: str, other: str) -> list[str]:
        return [s.decode() for s in find_merge_base(self.repo, [_bytes_id(one), _bytes_id(other)])]

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``descendant`` contains ``ancestor`` (moving a ref from the one to
        the other is a fast forward)."""
        return bool(can_fast_forward(self.repo, _bytes_id(ancestor), _bytes_id(descendant)))

    def log(self, head: str, exclude: Sequence[str] = (), paths: Sequence[str] = ()
            ) -> Iterator[str]:
        """Commits reachable from ``head`` and not from ``exclude``, newest first."""
        walker = Walker(
            _ParsedStore(self.repo.object_store, self._parsed),  # type: ignore[arg-type]
            include=[_bytes_id(head)], exclude=[_bytes_id(e) for e in exclude] or None,
            paths=[p.encode() for p in paths] or None,
        )
        for entry in walker:
            yield entry.commit.id.decode()

    # -- refs ----------------------------------------------------------------------------

    def refs(self) -> Mapping[str, str]:
        return {name.decode(): sha.decode() for name, sha in self.repo.refs.as_dict().items()
                if name.startswith(b"refs/")}

    def ref(self, name: str) -> str | None:
        value = self.repo.refs.as_dict().get(_ref(name))
        return None if value is None else value.decode()

    def set_ref(self, name: str, sha: str) -> None:
        self.repo.refs[_ref(name)] = _bytes_id(sha)

    def delete_ref(self, name: str) -> None:
        self.repo.refs.remove_if_equals(_ref(name), None)

    def set_head(self, branch: str) -> None:
        self.repo.refs.set_symbolic_ref(_ref("HEAD"), _ref(f"refs/heads/{branch}"))


class _ParsedStore:
    """An object store for read-only walks: each object parsed once, then shared."""

    def __init__(self, store: Any, parsed: dict[bytes, ShaFile]) -> None:
        self._store = store
        self._parsed = parsed

    def __getitem__(self, sha: bytes) -> ShaFile:
        found = self._parsed.get(sha)
        if found is None:
            found = self._parsed[sha] = self._store[sha]
        return found

    def __contains__(self, sha: bytes) -> bool:
        return sha in self._parsed or sha in self._store

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "tree"
    if mode == 0o160000:
        return "commit"
    return "blob"
