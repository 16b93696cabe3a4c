"""Teams of an organization: members, a role on repositories, and review requests of a
team. No HTTP.

https://docs.github.com/organizations/organizing-members-into-teams/about-teams: a team
is a group of an organization's members; a team given a role on a repository gives it
to every member (the highest of a member's roles wins,
https://docs.github.com/organizations/managing-user-access-to-your-organizations-
repositories/managing-repository-roles/repository-roles-for-an-organization). Teams are
made through the seeding API; the teams REST operations answer 501. Nested teams,
privacy and maintainers are not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from fakes.github._auth import ROLES
from fakes.github._errors import fail
from fakes.github._model import GitHubState, Repository

__all__ = ["Team", "check_team_reviewers", "create_team", "request_teams"]

REQUESTS_DOCS = "https://docs.github.com/rest/pulls/review-requests"
#: The roles that may be asked for a review (as for users: push access).
_REVIEWERS = ("write", "maintain", "admin")


@attrs.frozen
class Team:
    id: int
    org: str
    slug: str
    name: str
    members: tuple[str, ...]


def create_team(state: GitHubState, org: str, slug: str, members: Iterable[str],
                repositories: Mapping[str, str], actor: str) -> Team:
    """A team of ``org`` with ``members`` (made members of the organization if they are
    not) and a role on each of ``repositories`` (``owner/name`` of the organization's
    repositories)."""
    with state.lock:
        account = state.accounts.get(org)
        if account is None or account.type != "Organization":
            raise fail(422, f"verified-fakes: {org!r} is no organization")
        if (org, slug) in state.teams:
            raise fail(422, f"verified-fakes: {org} already has a team {slug!r}")
        chosen = tuple(members)
        missing = [m for m in chosen if m not in state.accounts]
        if missing:
            raise fail(422, f"verified-fakes: no user {', '.join(missing)}")
        repos: list[Repository] = []
        for full_name, role in repositories.items():
            owner, _, name = full_name.partition("/")
            repo = state._find_repo(owner, name)
            if repo is None or repo.owner != org or role not in ROLES:
                raise fail(422, f"verified-fakes: {full_name} is no repository of {org}, or "
                           f"{role!r} no role ({', '.join(ROLES)})")
            repos.append(repo)
        for login in chosen:  # a team's members are members of its organization
            state.members[org].setdefault(login, "member")
        team = Team(state._next_id(), org, slug, slug, chosen)
        state.teams[(org, slug)] = team
        for repo, role in zip(repos, repositories.values(), strict=True):
            repo.teams[slug] = role
        state.journal.record(actor, "team.create", f"{org}/{slug}", members=list(chosen))
        return team


def check_team_reviewers(repo: Repository, slugs: Sequence[str]) -> None:
    """Teams asked for a review must have push access to the repository, as users must
    (422 with the same message; inferred for teams)."""
    for slug in slugs:
        if repo.teams.get(slug) not in _REVIEWERS:
            raise fail(422, "Reviews may only be requested from collaborators. One or more "
                       "of the users or teams you specified is not a collaborator of the "
                       f"{repo.full_name} repository.", REQUESTS_DOCS)


def request_teams(state: GitHubState, repo: Repository, number: int, slugs: Sequence[str],
                  remove: bool, actor: str) -> None:
    """Ask teams (checked by :func:`check_team_reviewers`) for a review of pull request
    ``number``, or stop asking them."""
    if not slugs:
        return
    with state.lock:
        requested = repo.requested_teams.setdefault(number, [])
        if remove:
            requested[:] = [slug for slug in requested if slug not in slugs]
        else:
            requested.extend(slug for slug in dict.fromkeys(slugs) if slug not in requested)
        state.journal.record(actor, "review_request.teams." + ("delete" if remove else
                                                                "create"),
                             f"{repo.full_name}#{number}", teams=list(slugs))
