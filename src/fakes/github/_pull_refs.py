"""``refs/pull/<n>/head``: the ref GitHub keeps for every pull request, naming its head
commit (https://docs.github.com/pull-requests/collaborating-with-pull-requests/
reviewing-changes-in-pull-requests/checking-out-pull-requests-locally). No HTTP.

Fetches see them (``git ls-remote``, ``git fetch origin pull/7/head:pr-7``); pushes do
not: ``refs/pull/`` is hidden from receive-pack, so git's receive-pack refuses a push to
one as it refuses any hidden ref (git-config(1), ``receive.hideRefs``; receive-pack.c:
``deny updating a hidden ref``, ``deny deleting a hidden ref``), as GitHub's users see
it (github.com/ad-m/github-push-action/issues/143).

They are not stored: each is read from the pull request when a fetch starts, so it
follows the head branch while the pull request is open and keeps the last head after
it is merged or closed, or its branch deleted (``_pulls.current_heads``).
"""

from __future__ import annotations

from fakes.github._model import Repository
from fakes.github._pulls import current_heads

__all__ = ["HIDDEN", "hidden_refusal", "pull_heads"]

HIDDEN = "refs/pull/"


def pull_heads(repo: Repository) -> dict[str, str]:
    """``refs/pull/<n>/head`` → the head sha of pull request ``n``, now (read under the
    store's lock: a head is brought up to date as it is read)."""
    return {f"{HIDDEN}{number}/head": current_heads(repo, pull)[1]
            for number, pull in sorted(repo.pulls.items())}


def hidden_refusal(ref: str, deleting: bool) -> str | None:
    """receive-pack's reason for refusing an update of ``ref``, if it is hidden."""
    if not ref.startswith(HIDDEN):
        return None
    return "deny deleting a hidden ref" if deleting else "deny updating a hidden ref"
