"""Pull requests: creation with GitHub's refusals, mergeability computed after the
fact, and merges (merge, squash, rebase) as real commits. No HTTP.

https://docs.github.com/rest/pulls/pulls. Mergeability is computed in the background on
GitHub, so ``mergeable`` reads ``null`` until it is known ("Get a pull request"): here
the first read after the head or the base moved answers null and starts the
computation, and the next read answers its result.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs

from fakes.github._errors import fail, validation_failed
from fakes.github._git import Person
from fakes.github._model import GitHubState, Repository
from fakes.github._settings import merge_method_refusal

__all__ = ["PullRequest", "create_pull", "merge_pull", "mergeable", "update_pull"]

DOCS = "https://docs.github.com/rest/pulls/pulls"
MERGE_DOCS = f"{DOCS}#merge-a-pull-request"
#: The committer of the commits GitHub makes on a merge.
WEB_FLOW = ("GitHub", "noreply@github.com")


@attrs.define
class PullRequest:
    number: int
    id: int
    title: str
    body: str | None
    user: str
    head: str
    base: str
    head_sha: str
    base_sha: str
    draft: bool
    created_at: datetime
    updated_at: datetime
    state: str = "open"
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    merged_by: str | None = None
    merge_commit_sha: str | None = None
    # Mergeability: the (base, head) it was computed for, and the pair a read asked for.
    mergeable: bool | None = None
    computed_for: tuple[str, str] | None = None
    requested_for: tuple[str, str] | None = None


def current_heads(repo: Repository, pull: PullRequest) -> tuple[str, str]:
    """The base and head shas now (a deleted branch keeps its last sha)."""
    if pull.state == "open":
        pull.base_sha = repo.branch_head(pull.base) or pull.base_sha
        pull.head_sha = repo.branch_head(pull.head) or pull.head_sha
    return pull.base_sha, pull.head_sha


def create_pull(state: GitHubState, repo: Repository, title: str | None, head: str,
                base: str, body: str | None, draft: bool, actor: str) -> PullRequest:
    """https://docs.github.com/rest/pulls/pulls#create-a-pull-request: 422 for an
    invalid base or head, no commits between them, or an open pull request for the same
    head and base."""
    with state.lock:
        head_branch = head.split(":", 1)[1] if ":" in head else head
        base_sha = repo.branch_head(base)
        if base_sha is None:
            raise validation_failed({"resource": "PullRequest", "field": "base",
                                     "code": "invalid"}, docs=f"{DOCS}#create-a-pull-request")
        head_sha = repo.branch_head(head_branch)
        if head_sha is None:
            raise validation_failed({"resource": "PullRequest", "field": "head",
                                     "code": "invalid"}, docs=f"{DOCS}#create-a-pull-request")
        if not title:
            raise validation_failed({"resource": "Issue", "field": "title",
                                     "code": "missing_field"},
                                    docs=f"{DOCS}#create-a-pull-request")
        for other in repo.pulls.values():
            if other.state == "open" and other.head == head_branch and other.base == base:
                raise validation_failed({
                    "resource": "PullRequest", "code": "custom",
                    "message": f"A pull request already exists for {repo.owner}:{head_branch}."},
                    docs=f"{DOCS}#create-a-pull-request")
        if not list(repo.git.log(head_sha, exclude=[base_sha])):
            raise validation_failed({"resource": "PullRequest", "code": "custom",
                                     "message": f"No commits between {base} and {head_branch}"},
                                    docs=f"{DOCS}#create-a-pull-request")
        now = state.clock.now()
        repo.next_number += 1
        pull = PullRequest(repo.next_number, state._next_id(), title, body, actor, head_branch,
                           base, head_sha, base_sha, draft, now, now)
        repo.pulls[pull.number] = pull
        state.journal.record(actor, "pull.create", f"{repo.full_name}#{pull.number}",
                             head=head_branch, base=base)
        return pull


def get_pull(repo: Repository, number: str) -> PullRequest:
    pull: PullRequest | None = repo.pulls.get(int(number)) if number.isdigit() else None
    if pull is None:
        raise fail(404, "Not Found", f"{DOCS}#get-a-pull-request")
    return pull


def mergeable(state: GitHubState, repo: Repository, pull: PullRequest) -> bool | None:
    """What a read shows: None until computed for the current base and head."""
    with state.lock:
        if pull.state != "open":
            return pull.mergeable if pull.merged_at is None else None
        key = current_heads(repo, pull)
        if pull.computed_for == key:
            return pull.mergeable
        if pull.requested_for != key:
            pull.requested_for = key  # computed by the next read
            return None
        pull.mergeable = _merge_tree(repo, *key) is not None
        pull.computed_for = key
        return pull.mergeable


def _merge_tree(repo: Repository, base_sha: str, head_sha: str) -> str | None:
    git = repo.git
    bases = git.merge_bases(base_sha, head_sha)
    return git.merge_trees(_tree(repo, bases[0]) if bases else None, _tree(repo, base_sha),
                           _tree(repo, head_sha))


def _tree(repo: Repository, commit: str) -> str:
    found = repo.git.commit(commit)
    assert found is not None
    return str(found.tree.decode())


def update_pull(state: GitHubState, repo: Repository, pull: PullRequest, *,
                title: str | None, body: str | None, new_state: str | None,
                actor: str) -> None:
    """PATCH a pull request: title, body, and closing or reopening."""
    with state.lock:
        if new_state not in (None, "open", "closed"):
            raise validation_failed({"resource": "PullRequest", "field": "state",
                                     "code": "invalid"}, docs=f"{DOCS}#update-a-pull-request")
        if new_state == "open" and pull.merged_at is not None:
            raise validation_failed("state cannot be changed. The pull request cannot be "
                                    "reopened because it has been merged.",
                                    docs=f"{DOCS}#update-a-pull-request")
        current_heads(repo, pull)
        now = state.clock.now()
        if title is not None:
            pull.title = title
        if body is not None:
            pull.body = body
        if new_state is not None and new_state != pull.state:
            pull.state = new_state
            pull.closed_at = now if new_state == "closed" else None
        pull.updated_at = now
        state.journal.record(actor, "pull.update", f"{repo.full_name}#{pull.number}",
                             state=pull.state)


def merge_pull(state: GitHubState, repo: Repository, pull: PullRequest, method: str,
               sha: str | None, title: str | None, message: str | None, actor: str) -> str:
    """PUT …/merge (MERGE_DOCS): 405 when the pull request cannot be merged, 409 when
    ``sha`` is not the head; the base branch moves to a merge commit, one squashed
    commit, or the head's commits replayed on it."""
    with state.lock:
        if method not in ("merge", "squash", "rebase"):
            raise validation_failed({"resource": "PullRequest", "field": "merge_method",
                                     "code": "invalid"}, docs=MERGE_DOCS)
        refused = merge_method_refusal(repo, method)
        if refused is not None:
            raise fail(405, refused, MERGE_DOCS)
        if pull.state != "open":
            raise fail(405, "Pull Request is not mergeable", MERGE_DOCS)
        if pull.draft:
            raise fail(405, "Pull Request is still a draft", MERGE_DOCS)
        base_sha, head_sha = current_heads(repo, pull)
        if sha is not None and sha != head_sha:
            raise fail(409, "Head branch was modified. Review and try the merge again.",
                       MERGE_DOCS)
        tree = _merge_tree(repo, base_sha, head_sha)
        if tree is None:
            raise fail(405, "Pull Request is not mergeable", MERGE_DOCS)
        from fakes.github._gates import judge

        blocked = judge(state, repo, pull, actor, base_sha, head_sha).refusal
        if blocked is not None:
            raise fail(405, blocked, MERGE_DOCS)
        me = state.person(actor, None)
        web_flow = Person(*WEB_FLOW, me.date)
        git = repo.git
        if method == "merge":
            subject = title or f"Merge pull request #{pull.number} from {repo.owner}/{pull.head}"
            text = f"{subject}\n\n{message if message is not None else pull.title}"
            commit = git.add_commit(tree, [base_sha, head_sha], text, me, web_flow)
        elif method == "squash":
            picked = list(reversed(list(git.log(head_sha, exclude=[base_sha]))))
            subject = title or f"{pull.title} (#{pull.number})"
            details = message if message is not None else "\n\n".join(
                f"* {_message(repo, c).strip()}" for c in picked)
            commit = git.add_commit(tree, [base_sha], f"{subject}\n\n{details}", me, web_flow)
        else:
            commit = _rebase(repo, base_sha, head_sha, web_flow)
        git.set_ref(f"refs/heads/{pull.base}", commit)
        state._pushed(repo)
        now = state.clock.now()
        pull.state, pull.merged_at, pull.closed_at = "closed", now, now
        pull.merged_by, pull.merge_commit_sha, pull.updated_at = actor, commit, now
        pull.base_sha, pull.head_sha = base_sha, head_sha
        state.journal.record(actor, "pull.merge", f"{repo.full_name}#{pull.number}",
                             method=method, commit=commit, branch=pull.base)
        if repo.settings.delete_branch_on_merge:
            _delete_head(state, repo, pull, actor)
        return commit


def _delete_head(state: GitHubState, repo: Repository, pull: PullRequest, actor: str) -> None:
    """delete_branch_on_merge (https://docs.github.com/repositories/configuring-branches-and-
    merges-in-your-repository/configuring-pull-request-merges/managing-the-automatic-
    deletion-of-branches): the head branch goes after the merge, unless it is the default
    branch, protected, or another open pull request still uses it (GitHub would retarget
    those, which the fake does not model)."""
    branch = pull.head
    if branch == repo.default_branch or branch in repo.protections or \
            repo.branch_head(branch) != pull.head_sha:
        return
    if any(other.state == "open" and branch in (other.head, other.base)
           for other in repo.pulls.values()):
        return
    repo.git.delete_ref(f"refs/heads/{branch}")
    state.journal.record(actor, "git.ref.delete", repo.full_name, ref=f"refs/heads/{branch}")


def _message(repo: Repository, sha: str) -> str:
    found = repo.git.commit(sha)
    assert found is not None
    return str(found.message.decode(errors="replace"))


def _rebase(repo: Repository, base_sha: str, head_sha: str, committer: Person) -> str:
    """The head's commits since the merge base, replayed one by one on the base (authors
    kept, committer GitHub); 405 ``This branch can't be rebased`` on a conflict."""
    git = repo.git
    picked: Sequence[str] = list(reversed(list(git.log(head_sha, exclude=[base_sha]))))
    current = base_sha
    for sha in picked:
        commit = git.commit(sha)
        assert commit is not None
        parent = commit.parents[0].decode() if commit.parents else None
        tree = git.merge_trees(_tree(repo, parent) if parent else None, _tree(repo, current),
                               commit.tree.decode())
        if tree is None:
            raise fail(405, "This branch can't be rebased", MERGE_DOCS)
        name, _, email = commit.author.decode(errors="replace").partition(" <")
        author = Person(name, email.rstrip(">"),
                        datetime.fromtimestamp(commit.author_time, committer.date.tzinfo))
        current = git.add_commit(tree, [current], commit.message.decode(errors="replace"),
                                 author, committer)
    return current
