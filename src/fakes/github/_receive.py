"""A push: the ref updates of one ``git push``, checked by GitHub's rules and applied
under the store's lock. No HTTP (the smart-HTTP adapter frames it).

Per-ref results follow git's report-status (gitprotocol-pack, "report-status"): ``ok`` or
``ng <ref> <reason>``, with the server's explanation sent as ``remote:`` lines. What git
itself refuses is refused with git's reasons (receive-pack.c): a ref name git does not
accept, a stale old value, objects the push did not bring. What GitHub adds comes from
the branch protection that gates REST writes (``_protection.push_refusal``): a refused
ref reads ``protected branch hook declined``, with GitHub's ``GH006`` lines.

The pack is unpacked into a scratch store first; its objects join the repository only
when the push is accepted, so an interrupted or refused push changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
from dulwich.object_store import BaseObjectStore, MemoryObjectStore
from dulwich.objects import Commit, ShaFile

from fakes.github._model import GitHubState, Repository, _valid_ref
from fakes.github._protection import push_refusal
from fakes.github._pull_refs import hidden_refusal
from fakes.github._walk import references

__all__ = ["ZERO", "Command", "Overlay", "RefResult", "apply_push", "shared"]

ZERO = "0" * 40
#: The ng reason GitHub reports for a ref its protection refused.
DECLINED = "protected branch hook declined"


@attrs.frozen
class Command:
    """One ref update a client asked for: ``old`` and ``new`` are ZERO for none."""

    old: str
    new: str
    ref: str


@attrs.frozen
class RefResult:
    """``error`` None: the ref was updated; ``messages`` go to the client as remote lines."""

    ref: str
    error: str | None = None
    messages: tuple[str, ...] = ()


class Overlay(MemoryObjectStore):
    """The objects a push brings, over the repository's store: thin-pack deltas resolve
    against the repository, and nothing is written to it."""

    def __init__(self, base: BaseObjectStore) -> None:
        super().__init__()
        self.base = base

    def get_raw(self, name: Any) -> tuple[int, bytes]:
        try:
            return super().get_raw(name)
        except KeyError:
            return self.base.get_raw(name)

    def add_object(self, obj: ShaFile) -> None:
        self._data[obj.id] = obj  # unpacked for this push alone: no copy needed

    def __contains__(self, sha: object) -> bool:
        return super().__contains__(sha) or sha in self.base  # type: ignore[operator]

    def object(self, sha: str) -> ShaFile | None:
        """The object, read in place: the checks only read it, and dulwich's
        ``__getitem__`` copies every object it hands out."""
        key: Any = sha.encode()
        found = self._data.get(key)
        if found is None:
            found = shared(self.base).get(key)
        return found

    @property
    def brought(self) -> dict[bytes, ShaFile]:
        """The objects of the push itself, by id."""
        return {bytes(sha): obj for sha, obj in self._data.items()}



def shared(store: BaseObjectStore) -> dict[bytes, ShaFile]:
    """The object dict of a dulwich MemoryObjectStore (every repository's store)."""
    data: dict[bytes, ShaFile] = getattr(store, "_data")  # noqa: B009
    return data


def _connected(objects: Overlay, sha: str) -> bool:
    """The new value and everything it needs that the push brought are there (git's
    connectivity check, "missing necessary objects")."""
    brought, held = shared(objects), shared(objects.base)
    start = sha.encode()
    seen = {start}
    todo = [start]
    while todo:
        current = todo.pop()
        found = brought.get(current)
        if found is None:
            if current not in held:
                return False
            continue  # already in the repository: complete by construction
        for named in references(found):
            if named not in seen:
                seen.add(named)
                todo.append(named)
    return True


def _is_ancestor(repo: Repository, objects: Overlay, old: str, new: str) -> bool:
    """``new`` contains ``old``, walking the pushed commits and the repository's."""
    seen: set[bytes] = set()
    todo = [new.encode()]
    target = old.encode()
    while todo:
        current = todo.pop()
        if current == target:
            return True
        if current in seen:
            continue
        seen.add(current)
        found = objects.object(current.decode())
        if isinstance(found, Commit):
            todo.extend(found.parents)
    return False


def _has_merge_commit(objects: Overlay, old: str | None, new: str) -> bool:
    seen: set[bytes] = set()
    todo = [new.encode()]
    stop = old.encode() if old else None
    while todo:
        current = todo.pop()
        if current == stop or current in seen:
            continue
        seen.add(current)
        found = objects.object(current.decode())
        if isinstance(found, Commit):
            if len(found.parents) > 1:
                return True
            todo.extend(found.parents)
    return False


def _check(state: GitHubState, repo: Repository, objects: Overlay, command: Command,
           login: str) -> RefResult | None:
    """The refusal of one command, or None when it may apply."""
    ref = command.ref
    hidden = hidden_refusal(ref, command.new == ZERO)
    if hidden is not None:  # git checks hidden refs before anything else
        return RefResult(ref, hidden)
    if not ref.startswith("refs/") or ref.count("/") < 2 or not _valid_ref(ref):
        return RefResult(ref, "funny refname")
    if command.new == ZERO and ref == f"refs/heads/{repo.default_branch}":
        # receive.denyDeleteCurrent (git-config(1)): HEAD would name nothing
        return RefResult(ref, "deletion of the current branch prohibited",
                         (f"error: refusing to delete the current branch: {ref}",))
    current = repo.git.ref(ref) or ZERO
    if current != command.old:
        return RefResult(ref, "failed to update ref",
                         (f"error: cannot lock ref '{ref}': is at {current} but expected "
                          f"{command.old}",))
    if command.new != ZERO:
        if not _connected(objects, command.new):
            return RefResult(ref, "missing necessary objects")
        if ref.startswith("refs/heads/") and not isinstance(objects.object(command.new),
                                                            Commit):
            return RefResult(ref, "failed to update ref",
                             (f"error: cannot update ref '{ref}': trying to write non-commit "
                              f"object {command.new} to branch '{ref}'",))
    if not ref.startswith("refs/heads/"):
        return None
    branch = ref.removeprefix("refs/heads/")
    protection = repo.protections.get(branch)
    if protection is None:
        return None  # an unprotected branch takes any update, forced or not, as on GitHub
    if command.new == ZERO:
        action = "delete"
    elif command.old == ZERO or _is_ancestor(repo, objects, command.old, command.new):
        # walking the new history for merges only matters under linear history
        linear = protection.linear_history and _has_merge_commit(
            objects, None if command.old == ZERO else command.old, command.new)
        action = "merge-commits" if linear else "ref"
    else:
        action = "force"
    reasons = push_refusal(state, repo, branch, login, action)
    if not reasons:
        return None
    return RefResult(ref, DECLINED, (
        f"error: GH006: Protected branch update failed for {ref}.",
        *(f"error: {reason}" for reason in reasons)))


def apply_push(state: GitHubState, repo: Repository, objects: Overlay,
               commands: Sequence[Command], login: str, atomic: bool) -> list[RefResult]:
    """Check every command, then apply the accepted ones (all or none when ``atomic``),
    adding the pushed objects to the repository only if any ref moved."""
    with state.lock:
        results = [_check(state, repo, objects, command, login) or RefResult(command.ref)
                   for command in commands]
        if atomic and any(r.error for r in results):
            return [r if r.error else RefResult(r.ref, "atomic push failure")
                    for r in results]
        accepted = [c for c, r in zip(commands, results, strict=True) if r.error is None]
        if any(c.new != ZERO for c in accepted):
            # in place, as in object(): pushed objects are never changed afterwards
            shared(repo.git.repo.object_store).update(objects.brought)
        for command in accepted:
            if command.new == ZERO:
                repo.git.delete_ref(command.ref)
            else:
                repo.git.set_ref(command.ref, command.new)
            state.journal.record(login, "git.push", repo.full_name, ref=command.ref,
                                 before=command.old, after=command.new)
        if accepted:
            state._pushed(repo)
        return results
