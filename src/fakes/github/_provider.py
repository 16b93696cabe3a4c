"""The ``github`` provider: how the core serves, tests and verifies ``FakeGitHub``.

Registered in pyproject.toml under the ``verified_fakes.providers`` entry-point group.
This module is read at pytest start-up and by ``fakes --help``, so it imports nothing
of the fake (nor dulwich, nor PyGithub) until a fake is built.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fakes.providers import Provider, RealTargets

if TYPE_CHECKING:
    from fakes.github._github import FakeGitHub

__all__ = ["PROVIDER"]

#: What the suite reads for a real target; never an ambient ``GITHUB_TOKEN``.
REAL_VARIABLES = ("FAKES_GITHUB_API_URL", "FAKES_GITHUB_TOKEN", "FAKES_GITHUB_OWNER")
#: ``--target real-local``: the suite starts git http-backend on loopback for the run.
REAL_LOCAL = "real-local"


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", action="append", metavar="LOGIN:TOKEN", default=[],
                        help="accept TOKEN as a classic token (scopes repo, delete_repo) of "
                        "the user LOGIN, made if missing (repeatable; default: one random "
                        "token for octocat, printed on stderr)")


def _build_served(args: argparse.Namespace, common: Mapping[str, Any]) -> FakeGitHub:
    from fakes.github._auth import Token
    from fakes.github._github import FakeGitHub

    fake = FakeGitHub(**common, announce=sys.stderr)
    pairs = []
    for spec in args.token:
        login, sep, value = spec.partition(":")
        if not sep or not login or not value:
            raise SystemExit(f"fakes serve github: --token wants LOGIN:TOKEN, not {spec!r}")
        pairs.append((login, value))
    if not pairs:
        print(f"token: {fake.token_for('octocat', scopes=('repo', 'delete_repo'))} "
              "(octocat)", file=sys.stderr, flush=True)
    for login, value in pairs:
        if login not in fake.store.accounts:
            fake.create_user(login)
        fake.store.add_token(Token(value, login, scopes=frozenset({"repo", "delete_repo"})))
    return fake


def _environment(
    values: Sequence[str], profile: str | None, environ: Mapping[str, str]
) -> dict[str, str]:
    """``--target real-local`` → FAKES_GITHUB_TARGET (git http-backend started for the
    run); ``--target API_URL`` → FAKES_GITHUB_API_URL, with the token and the sandbox
    owner given explicitly as FAKES_GITHUB_TOKEN and FAKES_GITHUB_OWNER."""
    urls = {value.rstrip("/") for value in values}
    if len(urls) != 1:
        raise ValueError("only one real GitHub target per run")
    url = urls.pop()
    if url == REAL_LOCAL:
        return {"FAKES_GITHUB_TARGET": REAL_LOCAL}
    if not url.startswith("https://"):
        raise ValueError(f"--target must be 'fake', '{REAL_LOCAL}' or an https:// API URL, "
                         f"not {url!r}")
    if environ.get("FAKES_GITHUB_TARGET"):
        raise ValueError(f"FAKES_GITHUB_TARGET={environ['FAKES_GITHUB_TARGET']} selects "
                         f"another real target: unset it to run against {url}")
    missing = [v for v in REAL_VARIABLES[1:] if not environ.get(v)]
    if missing:
        raise ValueError(f"a real GitHub target needs {' and '.join(missing)} (a token of a "
                         "sandbox account and the sandbox user or organization)")
    return {"FAKES_GITHUB_API_URL": url, "FAKES_GITHUB_TOKEN": environ["FAKES_GITHUB_TOKEN"],
            "FAKES_GITHUB_OWNER": environ["FAKES_GITHUB_OWNER"]}


PROVIDER = Provider(
    name="github",
    summary="GitHub REST API over real git objects: repositories, git data, contents, "
            "commits, compare, pull requests and merges, branch protection, statuses, "
            "checks, reviews, webhooks, simulated CI; tokens with scopes and permissions",
    fake="fakes.github:FakeGitHub",
    fixture="fake_github",
    extra="github",
    requires=("dulwich", "github"),  # type: ignore[arg-type]  # attrs converter
    conformance="fakes.conformance.github",
    serve_options=_serve_options,
    build_served=_build_served,
    real_targets=RealTargets(
        metavar=f"{REAL_LOCAL}|API_URL",
        help=f"'{REAL_LOCAL}' starts git http-backend for the run (the behaviours git "
             "defines); or the REST API URL of github.com (https://api.github.com) or an "
             "Enterprise Server (https://HOST/api/v3), with FAKES_GITHUB_TOKEN and "
             "FAKES_GITHUB_OWNER naming a sandbox account",
        environment=_environment,
        janitor="fakes.conformance.github.janitor:run",
    ),
)
