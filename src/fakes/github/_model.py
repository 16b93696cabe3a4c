"""The GitHub domain model: accounts, tokens, repositories over real git objects. No HTTP.

Every rule lives here; the wire adapter (``_api.py``) only translates. Each method that
changes state records one journal entry with its actor. Messages that clients parse
are GitHub's own; the docs page of each rule is cited where it is enforced.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from fakes._clock import Clock
from fakes._journal import Journal
from fakes.github._auth import ROLES, Principal, Token
from fakes.github._checks import Flow
from fakes.github._errors import GitHubError, fail, validation_failed
from fakes.github._git import GitObjects, Person, TreeChange
from fakes.github._protection import Protection, direct_write_refusal
from fakes.github._settings import RepositoryMoved, Settings, refuse_archived

__all__ = ["Account", "GitHubState", "Repository"]

EMPTY_REPOSITORY = "Git Repository is empty."
REPO_DOCS = "https://docs.github.com/rest/repos/repos"
CONTENTS_DOCS = "https://docs.github.com/rest/repos/contents"
REFS_DOCS = "https://docs.github.com/rest/git/refs"
_NAME = re.compile(r"[A-Za-z0-9._-]+")
_HEX40 = re.compile(r"[0-9a-fA-F]{40}")


@attrs.frozen
class Account:
    """A user or an organization."""

    id: int
    login: str
    type: str  # "User" or "Organization"
    created_at: datetime
    name: str | None = None
    email: str | None = None


@attrs.define
class Repository:
    """One repository: settings, collaborators and its git objects."""

    id: int
    owner: str
    name: str
    private: bool
    default_branch: str
    created_at: datetime
    updated_at: datetime
    pushed_at: datetime | None
    description: str | None
    git: GitObjects
    collaborators: dict[str, str] = attrs.field(factory=dict)
    pulls: dict[int, Any] = attrs.field(factory=dict)  # number → _pulls.PullRequest
    next_number: int = 0
    protections: dict[str, Protection] = attrs.field(factory=dict)  # branch → its protection
    flow: Flow = attrs.field(factory=Flow)  # statuses, checks, reviews
    settings: Settings = attrs.field(factory=Settings)  # features, merge methods, topics
    issues: dict[int, Any] = attrs.field(factory=dict)  # number → _issues.Issue
    labels: dict[str, Any] = attrs.field(factory=dict)  # lowercase name → _issues.Label
    milestones: dict[int, Any] = attrs.field(factory=dict)  # number → _milestones.Milestone
    next_milestone: int = 0
    teams: dict[str, str] = attrs.field(factory=dict)  # team slug → its role here
    requested_teams: dict[int, list[str]] = attrs.field(factory=dict)  # pull → team slugs

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def copy(self) -> Repository:
        return attrs.evolve(self, git=self.git.copy(), collaborators=dict(self.collaborators),
                            pulls={n: attrs.evolve(p) for n, p in self.pulls.items()},
                            protections=dict(self.protections), flow=self.flow.copy(),
                            issues={n: i.copy() for n, i in self.issues.items()},
                            labels=dict(self.labels), milestones=dict(self.milestones),
                            teams=dict(self.teams),
                            requested_teams={n: list(t) for n, t in
                                             self.requested_teams.items()})

    @property
    def empty(self) -> bool:
        return not any(name.startswith("refs/heads/") for name in self.git.refs())

    def branch_head(self, branch: str) -> str | None:
        return self.git.ref(f"refs/heads/{branch}")


@attrs.frozen
class FileWrite:
    """What a contents write made: the blob (None after a delete) and the commit."""

    path: str
    blob: str | None
    commit: str


class GitHubState:
    """The one store of the GitHub fake."""

    def __init__(self, journal: Journal, clock: Clock) -> None:
        self.journal = journal
        self.clock = clock
        self.lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.members: dict[str, dict[str, str]] = {}  # org → login → "admin" | "member"
        self.teams: dict[tuple[str, str], Any] = {}  # (org, slug) → _teams.Team
        self.tokens: dict[str, Token] = {}
        self.repos: dict[tuple[str, str], Repository] = {}
        # The names repositories had before a rename (lowercase) → the repository's id.
        self.moved: dict[tuple[str, str], int] = {}
        self._ids = 0

    # -- FakeStore --------------------------------------------------------------------------

    def snapshot(self) -> GitHubState:
        with self.lock:
            other = GitHubState(self.journal, self.clock)
            other.accounts = dict(self.accounts)
            other.members = {org: dict(m) for org, m in self.members.items()}
            other.teams = dict(self.teams)
            other.tokens = dict(self.tokens)
            other.repos = {key: repo.copy() for key, repo in self.repos.items()}
            other.moved = dict(self.moved)
            other._ids = self._ids
            return other

    def reset(self, to: GitHubState | None = None) -> None:
        with self.lock:
            self._clear()
            if to is not None:
                copy = to.snapshot()
                self.accounts, self.members, self.tokens = copy.accounts, copy.members, copy.tokens
                self.teams = copy.teams
                self.repos, self._ids, self.moved = copy.repos, copy._ids, copy.moved

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    # -- accounts and tokens ----------------------------------------------------------------

    def create_user(self, login: str, *, name: str | None = None, email: str | None = None,
                    actor: str = "seed") -> Account:
        with self.lock:
            if login.lower() in (a.lower() for a in self.accounts):
                raise fail(422, f"login {login!r} is taken")
            account = Account(self._next_id(), login, "User", self.clock.now(), name,
                              email or f"{login}@users.noreply.verified-fakes.invalid")
            self.accounts[login] = account
            self.journal.record(actor, "user.create", login)
            return account

    def create_org(self, login: str, *, admins: Sequence[str] = (), members: Sequence[str] = (),
                   actor: str = "seed") -> Account:
        with self.lock:
            if login.lower() in (a.lower() for a in self.accounts):
                raise fail(422, f"login {login!r} is taken")
            account = Account(self._next_id(), login, "Organization", self.clock.now())
            self.accounts[login] = account
            self.members[login] = {**{m: "member" for m in members}, **{a: "admin" for a in admins}}
            self.journal.record(actor, "org.create", login)
            return account

    def create_bot(self, login: str, actor: str = "seed") -> Account:
        """The bot account of a GitHub App (``<slug>[bot]``), which its installation
        tokens act as."""
        with self.lock:
            account = Account(self._next_id(), login, "Bot", self.clock.now())
            self.accounts[login] = account
            self.journal.record(actor, "bot.create", login)
            return account

    def add_token(self, token: Token) -> Token:
        with self.lock:
            if token.login not in self.accounts or \
                    self.accounts[token.login].type != ("Bot" if token.app else "User"):
                raise fail(422, f"no user {token.login!r}")
            self.tokens[token.value] = token
            return token

    def account(self, login: str) -> Account:
        found = self.accounts.get(login)
        if found is None:
            # Logins are case-insensitive on GitHub.
            found = next((a for a in self.accounts.values() if a.login.lower() == login.lower()),
                         None)
        if found is None:
            raise fail(404)
        return found

    # -- repositories -----------------------------------------------------------------------

    def role(self, repo: Repository, login: str | None) -> str | None:
        """The role ``login`` holds on ``repo`` (None: none); public repositories can be
        read by everyone."""
        if login is not None:
            if login == repo.owner:
                return "admin"
            held = [repo.collaborators.get(login)]
            org_role = self.members.get(repo.owner, {}).get(login)
            held.append({"admin": "admin", "member": "read"}.get(org_role or ""))
            held.extend(role for slug, role in repo.teams.items()
                        if login in self.teams[(repo.owner, slug)].members)
            ranked = [r for r in held if r is not None]
            if ranked:
                return max(ranked, key=ROLES.index)
        return None if repo.private else "read"

    def repository(self, principal: Principal, owner: str, name: str, need: str = "read",
                   permission: str = "metadata") -> Repository:
        """The repository, if ``principal`` may do ``need`` on it (GitHub's 404/403; 403
        for a write to an archived one). A name the repository had before a rename
        raises RepositoryMoved for whoever may see it (``_settings``)."""
        with self.lock:
            repo = self._find_repo(owner, name)
            if repo is None:
                moved = self.repository_by_id(self.moved.get((owner.lower(), name.lower())))
                if moved is None:
                    raise fail(404)
                principal.check(moved.full_name, moved.private,
                                self.role(moved, principal.login), "read", "metadata")
                raise RepositoryMoved(moved.id)
            principal.check(repo.full_name, repo.private, self.role(repo, principal.login),
                            need, permission)
            if need == "write":
                refuse_archived(repo)
            return repo

    def repository_by_id(self, repository_id: int | None) -> Repository | None:
        return next((r for r in self.repos.values() if r.id == repository_id), None)

    def _find_repo(self, owner: str, name: str) -> Repository | None:
        found = self.repos.get((owner, name))
        if found is None:
            for (o, n), repo in self.repos.items():
                if o.lower() == owner.lower() and n.lower() == name.lower():
                    return repo
        return found

    def visible_repos(self, principal: Principal, owner: str) -> list[Repository]:
        with self.lock:
            listed = []
            for repo in self.repos.values():
                if repo.owner.lower() != owner.lower():
                    continue
                try:
                    principal.check(repo.full_name, repo.private,
                                    self.role(repo, principal.login), "read", "metadata")
                except GitHubError:
                    continue
                listed.append(repo)
            return sorted(listed, key=lambda r: r.name.lower())

    def create_repo(self, owner: str, name: str, *, private: bool = False,
                    description: str | None = None, auto_init: bool = False,
                    default_branch: str = "main", files: Mapping[str, bytes | str] | None = None,
                    actor: str = "seed") -> Repository:
        """Create ``owner/name``; ``auto_init`` makes an initial commit with a README and
        ``files`` one with those files (both: one commit with both)."""
        with self.lock:
            self.account(owner)
            self.check_new_name(owner, name)
            # A repository made with a name another one had before a rename takes the
            # name over: the old name's redirect is gone.
            self.moved.pop((owner.lower(), name.lower()), None)
            now = self.clock.now()
            repo = Repository(self._next_id(), owner, name, private, default_branch, now, now,
                              None, description, GitObjects())
            repo.git.set_head(default_branch)
            initial: dict[str, bytes] = {}
            if auto_init:
                initial["README.md"] = f"# {name}\n".encode()
            for path, content in (files or {}).items():
                initial[_clean_path(path)] = content.encode() if isinstance(content, str) \
                    else content
            if initial:
                changes = [TreeChange(path, "100644", repo.git.add_blob(data))
                           for path, data in initial.items()]
                person = self._person(actor)
                tree = repo.git.write_tree(None, changes)
                commit = repo.git.add_commit(tree, [], "Initial commit", person, person)
                repo.git.set_ref(f"refs/heads/{default_branch}", commit)
                repo.pushed_at = now
            self.repos[(owner, name)] = repo
            self.journal.record(actor, "repo.create", repo.full_name, private=private)
            return repo

    def check_new_name(self, owner: str, name: str, moving: Repository | None = None) -> None:
        """422 for a name GitHub refuses or one the owner already has (``moving``: the
        repository being renamed, which may change the case of its own name)."""
        docs = f"{REPO_DOCS}#create-a-repository-for-the-authenticated-user"
        if not _NAME.fullmatch(name) or name in (".", ".."):
            raise validation_failed({"resource": "Repository", "code": "custom",
                                     "field": "name", "message": "name is invalid"}, docs=docs)
        taken = self._find_repo(owner, name)
        if taken is not None and taken is not moving:
            raise validation_failed({"resource": "Repository", "code": "custom",
                                     "field": "name",
                                     "message": "name already exists on this account"},
                                    docs=docs)

    def rename_repo(self, repo: Repository, name: str) -> None:
        """``repo`` takes ``name``; its old name redirects to it until another repository
        takes that name."""
        with self.lock:
            del self.repos[(repo.owner, repo.name)]
            self.moved[(repo.owner.lower(), repo.name.lower())] = repo.id
            self.moved.pop((repo.owner.lower(), name.lower()), None)
            repo.name = name
            self.repos[(repo.owner, name)] = repo

    def delete_repo(self, repo: Repository, actor: str) -> None:
        with self.lock:
            del self.repos[(repo.owner, repo.name)]
            self.journal.record(actor, "repo.delete", repo.full_name)

    def add_collaborator(self, repo: Repository, login: str, permission: str,
                         actor: str = "seed") -> None:
        if permission not in ROLES:
            raise fail(422, f"permission must be one of {', '.join(ROLES)}")
        with self.lock:
            self.account(login)
            repo.collaborators[login] = permission
            self.journal.record(actor, "collaborator.add", repo.full_name, login=login,
                                permission=permission)

    def _person(self, login: str, name: str | None = None, email: str | None = None,
                date: datetime | None = None) -> Person:
        account = self.accounts.get(login)
        return Person(
            name or (account.name or account.login if account else login),
            email or (account.email if account and account.email
                      else f"{login}@users.noreply.verified-fakes.invalid"),
            date or self.clock.now(),
        )

    def person(self, login: str, given: Any) -> Person:
        """An author or committer from a request's ``{name, email, date}`` (each optional),
        defaulting to ``login`` now on the fake's clock; anything else is 422 (GitHub
        checks bodies against the operation's schema: the message is inferred)."""
        given = given or {}
        if not isinstance(given, Mapping) or any(
                not isinstance(given.get(key), (str, type(None)))
                for key in ("name", "email", "date")):
            raise fail(422, "Invalid request.\n\nFor 'author' and 'committer', an object "
                       "of strings name, email and date is expected.")
        date = given.get("date")
        parsed = None
        if isinstance(date, str):
            try:
                parsed = datetime.fromisoformat(date.replace("Z", "+00:00"))
            except ValueError:
                raise validation_failed(f"{date!r} is not a valid date") from None
        return self._person(login, given.get("name"), given.get("email"), parsed)

    # -- resolving names of commits ------------------------------------------------------

    def resolve(self, repo: Repository, ref: str) -> str | None:
        """The commit ``ref`` names: a full sha, a branch, a tag, or ``refs/...``."""
        git = repo.git
        if _HEX40.fullmatch(ref) and git.commit(ref) is not None:
            return ref.lower()
        for name in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}"):
            if name.startswith("refs/"):
                sha = git.ref(name)
                if sha is not None and git.commit(sha) is not None:
                    return sha
        return None

    def require_not_empty(self, repo: Repository) -> None:
        """The Git database API refuses an empty repository: 409 ``Git Repository is empty.``
        (https://docs.github.com/rest/git/blobs#create-a-blob, "409 Conflict")."""
        if repo.empty:
            raise fail(409, EMPTY_REPOSITORY, "https://docs.github.com/rest/git/blobs")

    # -- git data ---------------------------------------------------------------------------

    def create_blob(self, repo: Repository, data: bytes, actor: str) -> str:
        with self.lock:
            self.require_not_empty(repo)
            sha = repo.git.add_blob(data)
            self.journal.record(actor, "git.blob.create", repo.full_name, sha=sha)
            return sha

    def create_tree(self, repo: Repository, base_tree: str | None,
                    entries: Sequence[Mapping[str, Any]], actor: str) -> str:
        """POST git/trees (https://docs.github.com/rest/git/trees#create-a-tree): entries
        with ``sha`` or ``content``; ``sha: null`` deletes the path from ``base_tree``."""
        with self.lock:
            self.require_not_empty(repo)
            git = repo.git
            if base_tree is not None and git.tree(base_tree) is None:
                raise validation_failed("base_tree is not a valid tree oid",
                                        docs="https://docs.github.com/rest/git/trees")
            changes = []
            for entry in entries:
                path, mode, kind = entry.get("path"), entry.get("mode"), entry.get("type")
                if not isinstance(path, str) or not path or mode not in _TREE_MODES:
                    raise validation_failed(f"tree.path and tree.mode are required; got "
                                            f"{path!r}, {mode!r}",
                                            docs="https://docs.github.com/rest/git/trees")
                path = _clean_path(path)
                if "content" in entry and entry["content"] is not None:
                    sha: str | None = git.add_blob(str(entry["content"]).encode())
                else:
                    sha = entry.get("sha")
                    if sha is not None:
                        expected = "tree" if mode == "040000" else (kind or "blob")
                        found = git.get(str(sha))
                        if found is None or found.type_name.decode() != expected:
                            raise validation_failed(
                                f"tree.sha {sha} is not a valid {expected}",
                                docs="https://docs.github.com/rest/git/trees")
                changes.append(TreeChange(path, str(mode),
                                          None if sha is None else str(sha).lower()))
            tree = git.write_tree(base_tree, changes)
            self.journal.record(actor, "git.tree.create", repo.full_name, sha=tree)
            return tree

    def create_commit(self, repo: Repository, message: str, tree: str, parents: Sequence[str],
                      author: Person, committer: Person, actor: str) -> str:
        with self.lock:
            self.require_not_empty(repo)
            git = repo.git
            if git.tree(tree) is None:
                raise validation_failed("Tree SHA does not exist",
                                        docs="https://docs.github.com/rest/git/commits")
            for parent in parents:
                if git.commit(parent) is None:
                    raise validation_failed("Parent SHA does not exist or is not a commit "
                                            "object", docs="https://docs.github.com/rest/git/commits")
            sha = git.add_commit(tree, parents, message, author, committer)
            self.journal.record(actor, "git.commit.create", repo.full_name, sha=sha)
            return sha

    def create_ref(self, repo: Repository, ref: str, sha: str, actor: str) -> None:
        """POST git/refs: 422 ``Reference already exists``, 422 for a name git refuses or
        an object that does not exist (https://docs.github.com/rest/git/refs#create-a-reference)."""
        with self.lock:
            self.require_not_empty(repo)
            if not ref.startswith("refs/") or ref.count("/") < 2 or not _valid_ref(ref):
                raise fail(422, f"{ref} is not a valid ref name.", REFS_DOCS)
            if repo.git.get(sha) is None:
                raise fail(422, "Object does not exist", REFS_DOCS)
            if repo.git.ref(ref) is not None:
                raise fail(422, "Reference already exists", REFS_DOCS)
            if any(ref.startswith(held + "/") or held.startswith(ref + "/")
                   for held in repo.git.refs()):
                # git keeps a ref as a file: "a" and "a/b" cannot both exist. GitHub's
                # answer, as reported: github.com/microsoft/vscode-remote-repositories-
                # github/issues/122, github.com/googleapis/release-please/issues/1024
                raise fail(422, "Reference update failed", REFS_DOCS)
            repo.git.set_ref(ref, sha.lower())
            self._pushed(repo)
            self.journal.record(actor, "git.ref.create", repo.full_name, ref=ref, sha=sha)

    def update_ref(self, repo: Repository, ref: str, sha: str, force: bool, actor: str) -> None:
        """PATCH git/refs/{ref}: 422 ``Update is not a fast forward`` unless ``force``
        (https://docs.github.com/rest/git/refs#update-a-reference)."""
        with self.lock:
            self.require_not_empty(repo)
            current = repo.git.ref(ref)
            if current is None:
                raise fail(422, "Reference does not exist", REFS_DOCS)
            if repo.git.get(sha) is None:
                raise fail(422, "Object does not exist", REFS_DOCS)
            sha = sha.lower()
            if current == sha:
                return
            new = repo.git.commit(sha)
            fast_forward = new is not None and repo.git.commit(current) is not None \
                and repo.git.is_ancestor(current, sha)
            if not force and not fast_forward:
                raise fail(422, "Update is not a fast forward", REFS_DOCS)
            if ref.startswith("refs/heads/"):
                direct_write_refusal(self, repo, ref.removeprefix("refs/heads/"), actor,
                                     "ref" if fast_forward else "force")
            repo.git.set_ref(ref, sha)
            self._pushed(repo)
            self.journal.record(actor, "git.ref.update", repo.full_name, ref=ref, sha=sha,
                                force=force)

    def delete_ref(self, repo: Repository, ref: str, actor: str) -> None:
        with self.lock:
            self.require_not_empty(repo)
            if repo.git.ref(ref) is None:
                raise fail(422, "Reference does not exist", REFS_DOCS)
            if ref.startswith("refs/heads/"):
                direct_write_refusal(self, repo, ref.removeprefix("refs/heads/"), actor,
                                     "delete")
            repo.git.delete_ref(ref)
            self.journal.record(actor, "git.ref.delete", repo.full_name, ref=ref)

    def _pushed(self, repo: Repository) -> None:
        repo.pushed_at = repo.updated_at = self.clock.now()

    # -- contents ---------------------------------------------------------------------------

    def read_path(self, repo: Repository, path: str, ref: str | None
                  ) -> tuple[str, tuple[str, str, str]]:
        """``(commit, (mode, type, sha))`` of ``path`` at ``ref`` (default branch if None)."""
        if repo.empty:
            raise fail(404, "This repository is empty.", CONTENTS_DOCS)
        commit = self.resolve(repo, ref or repo.default_branch)
        if commit is None:
            raise fail(404, f"No commit found for the ref {ref or repo.default_branch}",
                       CONTENTS_DOCS)
        tree = _tree_of(repo, commit)
        found = repo.git.lookup(tree, path)
        if found is None:
            raise fail(404, "Not Found", CONTENTS_DOCS)
        return commit, found

    def write_file(self, repo: Repository, path: str, content: bytes | None, message: str,
                   sha: str | None, branch: str | None, author: Person, committer: Person,
                   actor: str) -> FileWrite:
        """Create, update (``content``) or delete (``content`` None) one file as one commit
        on ``branch``. https://docs.github.com/rest/repos/contents#create-or-update-file-
        contents: updating or deleting needs the blob ``sha`` of the file it replaces."""
        with self.lock:
            path = _clean_path(path)
            branch = branch or repo.default_branch
            head = repo.branch_head(branch)
            if head is None and not (repo.empty and branch == repo.default_branch
                                     and content is not None):
                raise fail(404, f"Branch {branch} not found", CONTENTS_DOCS)
            direct_write_refusal(self, repo, branch, actor, "contents")
            tree = _tree_of(repo, head) if head is not None else None
            existing = repo.git.lookup(tree, path) if tree is not None else None
            if existing is not None and existing[1] != "blob":
                raise fail(422, f"{path} is a directory" if existing[1] == "tree"
                           else f"{path} is not a file", CONTENTS_DOCS)
            if content is None and existing is None:
                raise fail(404, "Not Found", CONTENTS_DOCS)
            if existing is not None:
                if sha is None:
                    raise fail(422, 'Invalid request.\n\n"sha" wasn\'t supplied.',
                               CONTENTS_DOCS)
                if sha != existing[2]:
                    raise fail(409, f"{path} does not match {sha}", CONTENTS_DOCS)
            blob = repo.git.add_blob(content) if content is not None else None
            mode = existing[0] if existing is not None else "100644"
            new_tree = repo.git.write_tree(tree, [TreeChange(path, mode, blob)])
            commit = repo.git.add_commit(new_tree, [head] if head else [], message, author,
                                         committer)
            repo.git.set_ref(f"refs/heads/{branch}", commit)
            self._pushed(repo)
            operation = "contents.delete" if content is None else (
                "contents.update" if existing else "contents.create")
            self.journal.record(actor, operation, repo.full_name, path=path, branch=branch,
                                commit=commit)
            return FileWrite(path, blob, commit)

    # -- history ----------------------------------------------------------------------------

    def commits(self, repo: Repository, start: str | None, path: str | None) -> Iterator[str]:
        if repo.empty:
            raise fail(409, EMPTY_REPOSITORY, "https://docs.github.com/rest/commits/commits")
        head = self.resolve(repo, start or repo.default_branch)
        if head is None:
            raise fail(404, f"No commit found for SHA: {start}",
                       "https://docs.github.com/rest/commits/commits")
        return repo.git.log(head, paths=[path] if path else ())

    def compare(self, repo: Repository, base: str, head: str) -> tuple[str, str, str | None]:
        """``(base sha, head sha, merge base)``; merge base None for unrelated histories."""
        if repo.empty:
            raise fail(409, EMPTY_REPOSITORY, "https://docs.github.com/rest/commits/commits")
        base_sha, head_sha = self.resolve(repo, base), self.resolve(repo, head)
        if base_sha is None or head_sha is None:
            raise fail(404, "Not Found", "https://docs.github.com/rest/commits/commits")
        bases = repo.git.merge_bases(base_sha, head_sha)
        if not bases:
            raise fail(404, f"No common ancestor between {base} and {head}.",
                       "https://docs.github.com/rest/commits/commits")
        return base_sha, head_sha, bases[0]


_TREE_MODES = {"100644", "100755", "040000", "160000", "120000"}


def _tree_of(repo: Repository, commit: str) -> str:
    found = repo.git.commit(commit)
    assert found is not None
    return str(found.tree.decode())


def _clean_path(path: str) -> str:
    """A repository path; GitHub refuses empty, ``.`` and ``..`` components."""
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\0" in path:
        raise fail(422, "path contains a malformed path component", CONTENTS_DOCS)
    return path


def _valid_ref(ref: str) -> bool:
    """git check-ref-format's rules (git-check-ref-format(1)), the subset that matters."""
    if ref.endswith(("/", ".", ".lock")) or ".." in ref or "@{" in ref or "//" in ref:
        return False
    if any(c in ref for c in " ~^:?*[\\") or any(ord(c) < 32 or ord(c) == 127 for c in ref):
        return False
    return not any(part.startswith(".") for part in ref.split("/"))


def commit_files(state: GitHubState, repo: Repository, branch: str,
                 files: Mapping[str, bytes | str | None], message: str, actor: str) -> str:
    """One commit on ``branch`` (made if missing, from the default branch) that writes
    ``files`` (None deletes a path): another user's push, for seeding."""
    with state.lock:
        git = repo.git
        head = repo.branch_head(branch)
        if head is None and not repo.empty:
            head = repo.branch_head(repo.default_branch)
        changes = [TreeChange(_clean_path(path), "100644",
                              None if data is None else git.add_blob(
                                  data.encode() if isinstance(data, str) else data))
                   for path, data in files.items()]
        tree = git.write_tree(_tree_of(repo, head) if head else None, changes)
        person = state.person(actor, None)
        commit = git.add_commit(tree, [head] if head else [], message, person, person)
        git.set_ref(f"refs/heads/{branch}", commit)
        state._pushed(repo)
        state.journal.record(actor, "push", repo.full_name, branch=branch, commit=commit)
        return commit


def protect_branch(state: GitHubState, repo: Repository, branch: str,
                   protection: Protection | None, actor: str) -> None:
    """Set (or, with None, remove) the protection of an existing branch: 404 ``Branch not
    found`` / ``Branch not protected`` (https://docs.github.com/rest/branches/branch-protection)."""
    with state.lock:
        if repo.branch_head(branch) is None:
            raise fail(404, "Branch not found", "https://docs.github.com/rest/branches/"
                       "branch-protection")
        if protection is None:
            if repo.protections.pop(branch, None) is None:
                raise fail(404, "Branch not protected", "https://docs.github.com/rest/"
                           "branches/branch-protection#delete-branch-protection")
            state.journal.record(actor, "protection.delete", repo.full_name, branch=branch)
            return
        if repo.protections.get(branch) == protection:
            return
        repo.protections[branch] = protection
        state.journal.record(actor, "protection.update", repo.full_name, branch=branch)
