"""Fixtures of the GitHub conformance suite: the ``target`` GitHub, per run.

The generic harness (:class:`fakes.conformance.Suite`) selects targets with
``FAKES_CONFORMANCE_TARGETS`` and refuses a real target without
``FAKES_CONFORMANCE_REAL=1`` (``fakes conformance --provider github --target API_URL``
sets both). A real target is read only from these explicit variables, never from an
ambient ``GITHUB_TOKEN``:

- ``FAKES_GITHUB_API_URL``: ``https://api.github.com`` or ``https://HOST/api/v3``;
- ``FAKES_GITHUB_TOKEN``: a classic token of a sandbox account with the ``repo`` and
  ``delete_repo`` scopes;
- ``FAKES_GITHUB_OWNER``: the sandbox user or organization the run creates its
  throwaway repositories in (``vf-conformance-<run id>-<hint>-<n>``, deleted at the end
  of the run even when tests fail);
- ``FAKES_GITHUB_ALLOW_FOREIGN=1``: run even though the owner holds repositories the
  suite did not create (refused otherwise: the owner should be a sandbox).

Or, instead of those, ``FAKES_GITHUB_TARGET=real-local`` (``fakes conformance --provider
github --target real-local``): git http-backend started on loopback for the run, the
real server of the behaviours git defines; needs no credentials.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from fakes.conformance import Suite
from fakes.conformance.github._git_remote import Workdir
from fakes.conformance.github.targets import (
    REAL_LOCAL,
    FakeTarget,
    GitBackendTarget,
    RealTarget,
    Target,
)

pytest.importorskip("github", reason="the github extra is not installed")
pytest.importorskip("dulwich", reason="the github extra is not installed")


def make_target(name: str) -> Target:
    """``fake``: a FakeGitHub started for the session; ``real``: git http-backend
    (``FAKES_GITHUB_TARGET=real-local``) or the GitHub the environment names."""
    if name == "fake":
        return FakeTarget()
    local = os.environ.get("FAKES_GITHUB_TARGET")
    if not local:
        return RealTarget.from_environment()
    if local != REAL_LOCAL:
        raise pytest.UsageError(f"FAKES_GITHUB_TARGET is {REAL_LOCAL!r} or unset, "
                                f"not {local!r}")
    return GitBackendTarget()


suite = Suite(
    provider="github",
    make_target=make_target,
    real_variables=("FAKES_GITHUB_API_URL", "FAKES_GITHUB_TOKEN", "FAKES_GITHUB_OWNER"),
    real_description="the GitHub at {FAKES_GITHUB_API_URL} (owner {FAKES_GITHUB_OWNER})",
    target_metavar=f"{REAL_LOCAL}|API_URL",
    real_alternatives={"FAKES_GITHUB_TARGET": "git http-backend on loopback "
                                              "({FAKES_GITHUB_TARGET})"},
)

pytest_configure = suite.pytest_configure
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
pytest_generate_tests = suite.pytest_generate_tests
target = suite.target_fixture()


@pytest.fixture
def work() -> Iterator[Workdir]:
    """A temporary directory to run the machine's ``git`` in."""
    with Workdir() as made:
        yield made
