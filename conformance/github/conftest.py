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
"""

from __future__ import annotations

import pytest

from fakes.conformance import Suite
from fakes.conformance.github.targets import FakeTarget, RealTarget, Target

pytest.importorskip("github", reason="the github extra is not installed")
pytest.importorskip("dulwich", reason="the github extra is not installed")


def make_target(name: str) -> Target:
    """``fake``: a FakeGitHub started for the session; ``real``: the GitHub the
    environment names."""
    return FakeTarget() if name == "fake" else RealTarget.from_environment()


suite = Suite(
    provider="github",
    make_target=make_target,
    real_variables=("FAKES_GITHUB_API_URL", "FAKES_GITHUB_TOKEN", "FAKES_GITHUB_OWNER"),
    real_description="the GitHub at {FAKES_GITHUB_API_URL} (owner {FAKES_GITHUB_OWNER})",
    target_metavar="API_URL",
)

pytest_configure = suite.pytest_configure
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
pytest_generate_tests = suite.pytest_generate_tests
target = suite.target_fixture()
