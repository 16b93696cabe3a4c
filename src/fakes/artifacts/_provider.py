"""The ``artifacts`` provider: how the core serves, tests and verifies ``FakeRegistry``.

Registered in pyproject.toml under the ``verified_fakes.providers`` entry-point group.
This module is read at pytest start-up and by ``fakes --help``, so it imports nothing
of the fake itself until a fake is built.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fakes.providers import Provider, RealTargets

if TYPE_CHECKING:
    from fakes.artifacts._auth import Account
    from fakes.artifacts._registry import FakeRegistry

__all__ = ["PROVIDER", "account"]

ACTIONS = ("pull", "push", "delete")


def account(spec: str) -> Account:
    """``user:password[:actions]`` where actions is a comma list of pull, push, delete."""
    from fakes.artifacts._auth import Account

    parts = spec.split(":")
    if len(parts) not in (2, 3):
        raise argparse.ArgumentTypeError("expected user:password[:pull,push,delete]")
    actions = parts[2].split(",") if len(parts) == 3 else list(ACTIONS)
    unknown = set(actions) - set(ACTIONS)
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown actions: {', '.join(sorted(unknown))}")
    grant = {a: ("*",) if a in actions else () for a in ACTIONS}
    return Account(parts[0], parts[1], **grant)


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--account", action="append", type=account, metavar="USER:PASS[:ACTIONS]",
        help="enable token auth with this account; ACTIONS is a comma list of pull, push, "
        "delete (all three by default; repeatable)",
    )
    parser.add_argument("--no-anonymous-pull", action="store_true",
                        help="with --account: anonymous clients may not pull")


def _build_served(args: argparse.Namespace, common: Mapping[str, Any]) -> FakeRegistry:
    from fakes.artifacts._registry import FakeRegistry

    return FakeRegistry(
        **common, accounts=args.account or (), anonymous_pull=not args.no_anonymous_pull
    )


def _environment(
    values: Sequence[str], profile: str | None, environ: Mapping[str, str]
) -> dict[str, str]:
    """``--target URL`` (one real registry per run) → the suite's FAKES_REGISTRY_*."""
    urls: list[str] = []
    for value in values:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"--target must be 'fake' or an http(s) URL, not {value!r}")
        urls.append(value.rstrip("/"))
    if len(set(urls)) != 1:
        raise ValueError("only one real target (URL) per run")
    selected = {"FAKES_REGISTRY_URL": urls[0]}
    if profile:
        selected["FAKES_REGISTRY_PROFILE"] = profile
    return selected


PROVIDER = Provider(
    name="artifacts",
    summary="OCI Distribution registry: blobs, manifests, tags, referrers, token auth",
    fake="fakes.artifacts:FakeRegistry",
    fixture="fake_registry",
    extra="artifacts",
    requires=(),
    conformance="fakes.conformance.artifacts",
    serve_options=_serve_options,
    build_served=_build_served,
    real_targets=RealTargets(
        metavar="URL",
        help="the base URL of a sandbox OCI registry",
        environment=_environment,
        janitor="fakes.conformance.artifacts.janitor:run",
    ),
)
