"""Remove the repositories earlier conformance runs left on a real GitHub.

Each run creates its repositories under the sandbox owner, named
``vf-conformance-<run id>-<hint>-<n>`` (the run id starts with the run's UTC start
time), and deletes them at the end. A run that was killed cannot; the janitor lists the
owner's repositories and deletes those named by runs started before the expiry. It
touches no other repository, and never one of a run younger than an hour.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import timedelta

from fakes.conformance import RUN_PREFIX, expiry_cutoff, run_started
from fakes.conformance.github.targets import GITHUB_COM, REAL_LOCAL, RealTarget

__all__ = ["run"]


def run(environ: Mapping[str, str], older_than: timedelta) -> int:
    """Delete the expired run repositories of the owner ``environ`` names."""
    if environ.get("FAKES_GITHUB_TARGET") == REAL_LOCAL:
        print("nothing to sweep: git http-backend's repositories live only for its run")
        return 0
    target = RealTarget(environ["FAKES_GITHUB_API_URL"], environ["FAKES_GITHUB_TOKEN"],
                        environ["FAKES_GITHUB_OWNER"], GITHUB_COM)
    try:
        cutoff = expiry_cutoff(older_than)
        # A user's private repositories are listed only to that user, by /user/repos
        # (https://docs.github.com/en/rest/repos/repos#list-repositories-for-the-
        # authenticated-user); an organization's by /orgs/{org}/repos with type=all.
        if target._create_path().startswith("/orgs/"):
            listing = f"/orgs/{target.owner}/repos?type=all&per_page=100"
        else:
            listing = "/user/repos?affiliation=owner&per_page=100"
        failed = 0
        page = 1
        while True:
            response = target.http("GET", f"{listing}&page={page}")
            response.raise_for_status()
            repositories = response.json()
            for repository in repositories:
                name = str(repository["name"])
                if not name.startswith(RUN_PREFIX + "-"):
                    continue
                started = run_started(name)
                if started is None or started >= cutoff:
                    print(f"kept     {name}  (not named by an expired run)")
                    continue
                deleted = target.http("DELETE", f"/repos/{repository['full_name']}")
                if deleted.status_code in (204, 404):
                    print(f"deleted  {name}")
                else:
                    failed += 1
                    print(f"failed   {name}  ({deleted.status_code} {deleted.text[:200]})")
            if len(repositories) < 100:
                return 1 if failed else 0
            page += 1
    except Exception as error:  # the janitor says what failed and exits non-zero
        print(f"janitor: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
