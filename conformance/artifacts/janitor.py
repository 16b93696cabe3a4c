"""Remove what earlier conformance runs left in a real registry.

Each run works inside ``vf-conformance/<run id>/…`` where the run id starts with
its UTC start time (``20261127-125301-ab12cd``), and deletes its content at the end.
A run that was killed cannot; the janitor finds such repositories through the
registry's catalog (``GET /v2/_catalog``, which CNCF distribution, Harbor and Zot
serve) and deletes every tagged manifest of the runs older than the expiry.

Blobs stay until the registry's garbage collection runs: the registry API cannot
list a repository's blobs. Repositories of the current hour are never touched.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

import attrs
import requests

from fakes.conformance import MIN_AGE, RUN_PREFIX, expiry_cutoff
from fakes.conformance import run_started as _run_started
from fakes.conformance.artifacts._oci import ACCEPT_ALL, resolve
from fakes.conformance.artifacts.targets import RegistryAuth

__all__ = ["MIN_AGE", "CatalogUnavailable", "Sweep", "run", "run_started", "sweep"]


class CatalogUnavailable(RuntimeError):
    """The registry does not list its repositories, so leftovers cannot be found."""


@attrs.frozen
class Sweep:
    emptied: dict[str, int]  # repository -> manifests deleted
    kept: list[str]  # run repositories younger than the expiry
    failed: dict[str, str]  # repository -> why it could not be emptied


def run_started(repository: str) -> datetime | None:
    """When the run that named ``repository`` started; None if it is not a run's."""
    if not repository.startswith(f"{RUN_PREFIX}/"):
        return None
    return _run_started(repository)


def sweep(
    url: str,
    *,
    older_than: timedelta = timedelta(hours=24),
    credentials: tuple[str, str] | None = None,
    now: datetime | None = None,
) -> Sweep:
    """Delete every tagged manifest of run repositories started before ``now - older_than``."""
    cutoff = expiry_cutoff(older_than, now)
    session = requests.Session()
    session.trust_env = False  # nothing ambient: no proxies, no .netrc
    session.auth = RegistryAuth(credentials)
    base = url.rstrip("/")
    emptied: dict[str, int] = {}
    kept: list[str] = []
    failed: dict[str, str] = {}
    for repository in _catalog(session, base):
        started = run_started(repository)
        if started is None:
            continue
        if started >= cutoff:
            kept.append(repository)
            continue
        try:
            emptied[repository] = _empty(session, base, repository)
        except requests.RequestException as error:
            failed[repository] = str(error)
    return Sweep(emptied, kept, failed)


def _pages(session: requests.Session, url: str | None) -> Iterator[requests.Response]:
    for _ in range(10_000):  # a bound on Link chains, however long the catalog
        if url is None:
            return
        response = session.get(url, timeout=30)
        yield response
        link = response.links.get("next", {}).get("url")
        url = resolve(url, link) if link else None


def _catalog(session: requests.Session, base: str) -> Iterator[str]:
    for response in _pages(session, f"{base}/v2/_catalog?n=1000"):
        if response.status_code != 200:
            raise CatalogUnavailable(
                f"{base} does not list its repositories (GET /v2/_catalog answered "
                f"{response.status_code}); remove {RUN_PREFIX}/ repositories with the "
                "registry's own tools"
            )
        yield from response.json().get("repositories") or []


def _empty(session: requests.Session, base: str, repository: str) -> int:
    digests: list[str] = []
    for response in _pages(session, f"{base}/v2/{repository}/tags/list"):
        if response.status_code == 404:
            return 0
        response.raise_for_status()
        for tag in response.json().get("tags") or []:
            head = session.head(f"{base}/v2/{repository}/manifests/{tag}",
                                headers={"Accept": ACCEPT_ALL}, timeout=30)
            digest = head.headers.get("Docker-Content-Digest")
            if head.status_code == 200 and digest:
                digests.append(digest)
    deleted = 0
    for digest in dict.fromkeys(digests):
        response = session.delete(f"{base}/v2/{repository}/manifests/{digest}", timeout=30)
        if response.status_code in (200, 202):
            deleted += 1
        elif response.status_code != 404:
            response.raise_for_status()
    return deleted


def run(environ: Mapping[str, str], older_than: timedelta) -> int:
    """``fakes conformance --provider artifacts --janitor --target URL``: sweep the registry
    ``FAKES_REGISTRY_URL`` names (with ``FAKES_REGISTRY_USERNAME``/``_PASSWORD`` if set),
    print what was done; 0, 1 if a repository could not be emptied, 2 without a catalog."""
    user = environ.get("FAKES_REGISTRY_USERNAME")
    credentials = (user, environ.get("FAKES_REGISTRY_PASSWORD", "")) if user else None
    try:
        result = sweep(
            environ["FAKES_REGISTRY_URL"], older_than=older_than, credentials=credentials
        )
    except CatalogUnavailable as error:
        sys.stderr.write(f"fakes conformance --janitor: {error}\n")
        return 2
    for repository, deleted in sorted(result.emptied.items()):
        sys.stdout.write(f"emptied  {repository}  ({deleted} manifests deleted)\n")
    for repository in result.kept:
        sys.stdout.write(f"kept     {repository}  (younger than the expiry)\n")
    for repository, why in sorted(result.failed.items()):
        sys.stdout.write(f"FAILED   {repository}: {why}\n")
    return 1 if result.failed else 0
