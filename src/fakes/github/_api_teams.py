"""Teams as GitHub shows them (the ``team`` schema), for the review requests of a pull
request. The rules are in ``_teams``."""

from __future__ import annotations

from typing import Any

from fakes._http import Request
from fakes.github._model import GitHubState, Repository

__all__ = ["requested_teams_json", "team_json"]

#: A role's name in a team's ``permission`` (GitHub's older names for write and read).
_PERMISSION = {"read": "pull", "triage": "triage", "write": "push", "maintain": "maintain",
               "admin": "admin"}


def team_json(request: Request, store: GitHubState, repo: Repository, slug: str
              ) -> dict[str, Any]:
    """The team ``slug`` of ``repo``'s organization, with its role on ``repo``."""
    from fakes.github._api import _node_id

    team = store.teams[(repo.owner, slug)]
    url = f"{request.base}/organizations/{store.accounts[repo.owner].id}/team/{team.id}"
    return {
        "id": team.id, "node_id": _node_id("Team", team.id), "url": url,
        "html_url": f"{request.origin}/orgs/{repo.owner}/teams/{slug}",
        "name": team.name, "slug": slug, "description": None, "privacy": "closed",
        "notification_setting": "notifications_enabled",
        "permission": _PERMISSION[repo.teams.get(slug, "read")],
        "members_url": f"{url}/members{{/member}}", "repositories_url": f"{url}/repos",
        "parent": None, "type": "organization"}


def requested_teams_json(request: Request, store: GitHubState, repo: Repository, number: int
                         ) -> list[dict[str, Any]]:
    """The teams asked to review pull request ``number``."""
    return [team_json(request, store, repo, slug)
            for slug in repo.requested_teams.get(number, [])]
