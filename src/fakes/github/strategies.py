"""Hypothesis strategies for what a GitHub repository holds and accepts.

Property tests of automation that writes files, moves branches or protects them need
inputs GitHub takes, not arbitrary text: these draw branch names (git's
``check-ref-format --branch`` rules), file paths, file trees, commit sequences and
branch protection settings. The conformance suite pushes what they draw through the
REST API and reads it back (GH-310), and ``tests/test_github_strategies.py`` checks
branch names against ``git check-ref-format --branch``.

    from hypothesis import given
    from fakes.github import strategies

    @given(files=strategies.file_trees())
    def test_sync_is_idempotent(fake_github_server, files): ...

Names are drawn from a conservative alphabet (ASCII letters, digits and
``-_.+=,``): every one is valid to git and to GitHub, and needs no care in a URL
beyond percent-encoding.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

__all__ = ["branch_names", "commit_sequences", "file_paths", "file_trees",
           "protection_settings"]

_NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+=,"
_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}\Z")


def _component(max_size: int) -> st.SearchStrategy[str]:
    """One slash-separated part of a ref or a path: not ``.``-led, no ``..``."""
    return st.text(_NAME_CHARS, min_size=1, max_size=max_size).filter(
        lambda c: not c.startswith(".") and ".." not in c)


def _valid_branch(name: str) -> bool:
    # git-check-ref-format(1): no component ends with ".lock", the name does not end
    # with "."; --branch also refuses a leading "-" and the name HEAD. A 40-hex name
    # would read as a commit id wherever a ref or a sha is accepted.
    return (not any(part.endswith(".lock") for part in name.split("/"))
            and not name.endswith(".") and not name.startswith("-")
            and name != "HEAD" and _FULL_SHA.match(name) is None)


def branch_names(*, max_components: int = 3, max_length: int = 60) -> st.SearchStrategy[str]:
    """Branch names git and GitHub accept (``feature/x-1``, ``release.2+b``): one to
    ``max_components`` components joined by ``/``, at most ``max_length`` characters."""
    if max_components < 1 or max_length < 1:
        raise ValueError("max_components and max_length must be at least 1")
    return st.lists(_component(20), min_size=1, max_size=max_components).map(
        "/".join).filter(lambda n: len(n) <= max_length and _valid_branch(n))


def file_paths(*, max_depth: int = 3) -> st.SearchStrategy[str]:
    """Repository file paths (``docs/a-1.md``): one to ``max_depth`` components, none
    ``.``-led (so never ``.``, ``..`` or ``.git``)."""
    if max_depth < 1:
        raise ValueError("max_depth must be at least 1")
    return st.lists(_component(16), min_size=1, max_size=max_depth).map("/".join)


def _conflicts(path: str, taken: set[str]) -> bool:
    """Whether ``path`` and a taken path would need one name to be a file and a directory."""
    prefixes = {"/".join(path.split("/")[:i]) for i in range(1, path.count("/") + 1)}
    return bool(prefixes & taken) or any(t.startswith(path + "/") for t in taken)


@st.composite
def _trees(draw: st.DrawFn, min_files: int, max_files: int, max_depth: int,
           contents: st.SearchStrategy[bytes]) -> dict[str, bytes]:
    paths = draw(st.lists(file_paths(max_depth=max_depth), min_size=min_files,
                          max_size=max_files, unique_by=str.lower))
    tree: dict[str, bytes] = {}
    for path in paths:
        if not _conflicts(path.lower(), {p.lower() for p in tree}):
            tree[path] = draw(contents)
    if len(tree) < min_files:
        tree[draw(_component(16).filter(lambda c: _free(c, tree)))] = draw(contents)
    return tree


def _free(name: str, tree: dict[str, bytes]) -> bool:
    return not _conflicts(name.lower(), {p.lower() for p in tree})


def file_trees(*, min_files: int = 1, max_files: int = 6, max_depth: int = 3,
               contents: st.SearchStrategy[bytes] | None = None
               ) -> st.SearchStrategy[dict[str, bytes]]:
    """Trees of files, ``{path: bytes}``: no path is also a directory of another (nor
    only by case, which GitHub's contents API matches without regard to it).
    ``contents`` defaults to short binary data."""
    if not 0 <= min_files <= max_files or max_files < 1:
        raise ValueError("need 0 <= min_files <= max_files and max_files >= 1")
    return _trees(min_files, max_files, max_depth,
                  contents if contents is not None else st.binary(max_size=64))


def _unused(held: dict[str, bytes], change: dict[str, bytes | None]) -> Callable[[str], bool]:
    """A new path: not held, not changed in this commit, no file/directory clash."""
    taken = {t.lower() for t in (*held, *change)}
    return lambda path: path.lower() not in taken and _free(path, held)


@st.composite
def _sequences(draw: st.DrawFn, max_commits: int, max_changes: int
               ) -> list[dict[str, bytes | None]]:
    held: dict[str, bytes] = {}
    commits: list[dict[str, bytes | None]] = []
    for _ in range(draw(st.integers(1, max_commits))):
        change: dict[str, bytes | None] = {}
        for _ in range(draw(st.integers(1, max_changes))):
            # Each path changes at most once per commit, so the commit says what it does.
            untouched = sorted(set(held) - set(change))
            modify: bool = draw(st.booleans()) if untouched else False
            if modify:
                path = draw(st.sampled_from(untouched))
                new = draw(st.none() | st.binary(max_size=64))
                if new == held[path]:
                    new = held[path] + b"\n"
            else:
                path = draw(file_paths(max_depth=2).filter(_unused(held, change)))
                new = draw(st.binary(max_size=64))
            change[path] = new
            if new is None:
                held.pop(path)
            else:
                held[path] = new
        commits.append(change)
    return commits


def commit_sequences(*, max_commits: int = 4, max_changes: int = 3
                     ) -> st.SearchStrategy[list[dict[str, bytes | None]]]:
    """Histories to replay from an empty tree: a list of commits, each ``{path: bytes or
    None}`` (None deletes a file the history holds at that point; a change always
    changes the file), as ``FakeGitHub.push`` or the contents API takes them."""
    if max_commits < 1 or max_changes < 1:
        raise ValueError("max_commits and max_changes must be at least 1")
    return _sequences(max_commits, max_changes)


def protection_settings(*, contexts: st.SearchStrategy[str] | None = None
                        ) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies of ``PUT /repos/{owner}/{repo}/branches/{branch}/protection``: the four
    required keys (each may be null, ``restrictions`` always is: teams and apps are not
    modelled) and some of the optional booleans. ``contexts`` draws the names of
    required status checks (default: short names)."""
    names = contexts if contexts is not None else st.text(_NAME_CHARS, min_size=1,
                                                          max_size=12)
    checks = st.none() | st.fixed_dictionaries({
        "strict": st.booleans(),
        "contexts": st.lists(names, max_size=3, unique=True)})
    reviews = st.none() | st.fixed_dictionaries({
        "required_approving_review_count": st.integers(0, 6),
        "dismiss_stale_reviews": st.booleans(),
        "require_code_owner_reviews": st.booleans(),
    }, optional={"require_last_push_approval": st.booleans()})
    return st.fixed_dictionaries({
        "required_status_checks": checks,
        "enforce_admins": st.none() | st.booleans(),
        "required_pull_request_reviews": reviews,
        "restrictions": st.none(),
    }, optional={name: st.booleans() for name in (
        "required_linear_history", "allow_force_pushes", "allow_deletions",
        "required_conversation_resolution")})
