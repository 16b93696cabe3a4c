"""Fixtures of the artifact conformance suite: the ``target`` registry, per run.

The generic harness (:class:`fakes.conformance.Suite`) selects targets with
``FAKES_CONFORMANCE_TARGETS`` and refuses a real target without
``FAKES_CONFORMANCE_REAL=1`` (``fakes conformance --target URL`` sets both). What the
artifact suite reads besides:

- ``FAKES_REGISTRY_URL``: the real registry's base URL (``--target URL``);
- ``FAKES_REGISTRY_PROFILE``: ``distribution-2.8`` or ``oci-1.1`` (default; ``--profile``);
- ``FAKES_REGISTRY_USERNAME`` / ``FAKES_REGISTRY_PASSWORD``: optional credentials;
- ``FAKES_CONFORMANCE_MAX_REQUESTS``: request budget for the real target (default
  20000; the older ``FAKES_REGISTRY_MAX_REQUESTS`` is read when it is not set).
"""

from __future__ import annotations

from fakes.conformance import Suite
from fakes.conformance.artifacts.targets import FakeTarget, RealTarget, Target


def make_target(name: str) -> Target:
    """``fake``: a FakeRegistry started for the session; ``real``: the registry the
    environment names."""
    return FakeTarget() if name == "fake" else RealTarget.from_environment()


suite = Suite(
    provider="artifacts",
    make_target=make_target,
    real_variables=("FAKES_REGISTRY_URL",),
    real_description="the real registry at {FAKES_REGISTRY_URL}",
    target_metavar="URL",
)

pytest_configure = suite.pytest_configure
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
pytest_generate_tests = suite.pytest_generate_tests
target = suite.target_fixture()
