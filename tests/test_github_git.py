"""The parts of the GitHub fake that git defines, checked against the `git` CLI: object ids
of blobs, trees and commits, merge bases (criss-cross included) and fast-forward rules."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from fakes.github._git import GitObjects, Person, TreeChange

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
MONA = Person("Mona Octocat", "mona@example.com", WHEN)


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    stamp = f"@{int(WHEN.timestamp())} +0000"
    env = {**os.environ, "GIT_AUTHOR_NAME": MONA.name, "GIT_AUTHOR_EMAIL": MONA.email,
           "GIT_COMMITTER_NAME": MONA.name, "GIT_COMMITTER_EMAIL": MONA.email,
           "GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp,
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    result = subprocess.run(["git", "-C", str(repo), *args], input=stdin, env=env,
                            capture_output=True, check=True)
    return result.stdout.decode().strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", "--bare", str(tmp_path)], check=True)
    return tmp_path


def _git_tree(repo: Path, files: dict[str, bytes]) -> str:
    """The tree git writes for ``files`` (through a temporary index)."""
    index = repo / "tmp-index"
    env_index = {"GIT_INDEX_FILE": str(index)}
    os.environ.update(env_index)
    try:
        for path, data in files.items():
            blob = _git(repo, "hash-object", "-w", "--stdin", stdin=data)
            _git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
        return _git(repo, "write-tree")
    finally:
        del os.environ["GIT_INDEX_FILE"]
        index.unlink(missing_ok=True)


def _commit(git: GitObjects, repo: Path, files: dict[str, bytes], parents: list[str],
            message: str) -> str:
    """The same commit made by the fake's object store and by git; returns the id."""
    base = None
    if parents:
        parent = git.commit(parents[0])
        assert parent is not None
        base = parent.tree.decode()
    tree = git.write_tree(base, [TreeChange(p, "100644", git.add_blob(d))
                                 for p, d in files.items()])
    sha = git.add_commit(tree, parents, message, MONA, MONA)
    everything = dict(git.files(tree))
    expected_tree = _git_tree(repo, {p: git.blob(s).as_raw_string()  # type: ignore[union-attr]
                                     for p, (_, s) in everything.items()})
    assert tree == expected_tree
    args = ["commit-tree", expected_tree, "-m", message.rstrip("\n")]
    for p in parents:
        args += ["-p", p]
    assert _git(repo, *args) == sha
    return sha


def test_blob_ids_are_gits(repo: Path) -> None:
    git = GitObjects()
    for data in (b"", b"hello\n", bytes(range(256)), "ünïcode\n".encode()):
        assert git.add_blob(data) == _git(repo, "hash-object", "--stdin", stdin=data)


def test_nested_trees_and_deletions_are_gits(repo: Path) -> None:
    git = GitObjects()
    files = {"README.md": b"# r\n", "src/a/b.py": b"b\n", "src/a/c.py": b"c\n",
             "src/d.txt": b"d\n", "z": b"z\n"}
    tree = git.write_tree(None, [TreeChange(p, "100644", git.add_blob(d))
                                 for p, d in files.items()])
    assert tree == _git_tree(repo, files)
    smaller = git.write_tree(tree, [TreeChange("src/a/b.py", "100644", None),
                                    TreeChange("src/a/c.py", "100644", None)])
    del files["src/a/b.py"], files["src/a/c.py"]
    assert smaller == _git_tree(repo, files)
    assert git.lookup(smaller, "src/a") is None
    assert git.write_tree(smaller, [TreeChange("not/there", "100644", None)]) == smaller


def test_commit_ids_merge_bases_and_fast_forwards_are_gits(repo: Path) -> None:
    git = GitObjects()
    root = _commit(git, repo, {"f": b"0\n"}, [], "root\n")
    left = _commit(git, repo, {"l": b"l\n"}, [root], "left\n")
    right = _commit(git, repo, {"r": b"r\n"}, [root], "right\n")
    # A criss-cross: two merges that each merge the other side; two merge bases.
    merge_lr = _commit(git, repo, {"m1": b"1\n"}, [left, right], "merge l r\n")
    merge_rl = _commit(git, repo, {"m2": b"2\n"}, [right, left], "merge r l\n")
    for one, other in ((left, right), (merge_lr, merge_rl), (root, merge_lr), (left, merge_rl)):
        expected = sorted(_git(repo, "merge-base", "--all", one, other).split())
        assert sorted(git.merge_bases(one, other)) == expected
    for ancestor, descendant in ((root, left), (left, right), (left, merge_lr),
                                 (merge_lr, merge_rl), (root, root)):
        result = subprocess.run(["git", "-C", str(repo), "merge-base", "--is-ancestor",
                                 ancestor, descendant], check=False)
        assert git.is_ancestor(ancestor, descendant) == (result.returncode == 0)
    expected_log = _git(repo, "rev-list", merge_lr, f"^{left}").split()
    assert set(git.log(merge_lr, exclude=[left])) == set(expected_log)


def _tree_of(git: GitObjects, files: dict[str, bytes], base: str | None = None) -> str:
    return git.write_tree(base, [TreeChange(p, "100644", git.add_blob(d))
                                 for p, d in files.items()])


@pytest.mark.parametrize(("ours", "theirs"), [
    ({"f": b"one\n2\n3\n4\n5\n6\n"}, {"f": b"1\n2\n3\n4\n5\nsix\n"}),   # different lines
    ({"a/new.txt": b"n\n"}, {"b/other.txt": b"o\n"}),                  # different files
    ({"f": b"same\n2\n3\n4\n5\n6\n"}, {"f": b"same\n2\n3\n4\n5\n6\n"}),  # the same change
    ({"f": b"ours\n2\n3\n4\n5\n6\n"}, {"f": b"theirs\n2\n3\n4\n5\n6\n"}),  # a conflict
])
def test_three_way_merges_are_gits(repo: Path, ours: dict[str, bytes],
                                   theirs: dict[str, bytes]) -> None:
    git = GitObjects()
    base_files = {"f": b"1\n2\n3\n4\n5\n6\n", "keep": b"k\n"}
    base = _tree_of(git, base_files)
    root = _commit(git, repo, base_files, [], "base\n")
    ours_sha = _commit(git, repo, ours, [root], "ours\n")
    theirs_sha = _commit(git, repo, theirs, [root], "theirs\n")
    merged = git.merge_trees(base, git.commit(ours_sha).tree.decode(),  # type: ignore[union-attr]
                             git.commit(theirs_sha).tree.decode())  # type: ignore[union-attr]
    result = subprocess.run(["git", "-C", str(repo), "merge-tree", "--write-tree",
                             ours_sha, theirs_sha], capture_output=True, check=False)
    if result.returncode == 1:  # git found a conflict
        assert merged is None
    else:
        assert result.returncode == 0, result.stderr
        assert merged == result.stdout.decode().split()[0]


def test_annotated_tag_ids_are_gits(repo: Path) -> None:
    """A tag object the fake writes has the id git's own ``git tag -a`` gives it."""
    git = GitObjects()
    files = {"a.txt": b"a\n"}
    commit = _commit(git, repo, files, [], "first\n")
    made = git.add_tag("v1.0", "Release 1.0\n", commit, MONA)
    _git(repo, "update-ref", "refs/heads/main", commit)
    stamp = f"@{int(WHEN.timestamp())} +0000"
    env = {**os.environ, "GIT_COMMITTER_NAME": MONA.name, "GIT_COMMITTER_EMAIL": MONA.email,
           "GIT_COMMITTER_DATE": stamp, "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "-C", str(repo), "tag", "-a", "-m", "Release 1.0", "v1.0", commit],
                   env=env, check=True)
    assert _git(repo, "rev-parse", "v1.0") == made
    assert git.peel(made) == commit
    raw = git.get(made)
    assert raw is not None
    assert _git(repo, "mktag", stdin=raw.as_raw_string()) == made
