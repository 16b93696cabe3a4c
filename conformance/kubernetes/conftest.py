"""Fixtures of the Kubernetes conformance suite: the ``target`` API server, per run.

The generic harness (:class:`fakes.conformance.Suite`) selects targets with
``FAKES_CONFORMANCE_TARGETS`` and refuses a real target without
``FAKES_CONFORMANCE_REAL=1`` (``fakes conformance --target ...`` sets both). What the
Kubernetes suite reads besides:

- ``FAKES_KUBERNETES_TARGET``: ``real-local`` (start a local control plane for the
  run) or the path of a kubeconfig file;
- ``FAKES_KUBERNETES_CONTEXT``: the context of that kubeconfig to use (default: its
  current context);
- ``FAKES_KUBERNETES_PROFILE``: ``real`` (the default) or ``api-only``, for an API
  server without kube-controller-manager or a node agent (envtest): the behaviours of
  the controllers and of running Pods are skipped there.
"""

from __future__ import annotations

import pytest

from fakes.conformance import Suite
from fakes.conformance.kubernetes.targets import FakeTarget, RealTarget, Target

pytest.importorskip("kubernetes", reason="the kubernetes extra is not installed")


def make_target(name: str) -> Target:
    """``fake``: a FakeCluster started for the session; ``real``: the cluster the
    environment names."""
    return FakeTarget() if name == "fake" else RealTarget.from_environment()


suite = Suite(
    provider="kubernetes",
    make_target=make_target,
    real_variables=("FAKES_KUBERNETES_TARGET",),
    real_description="the Kubernetes cluster {FAKES_KUBERNETES_TARGET}",
    target_metavar="real-local|KUBECONFIG[#CONTEXT]",
)

pytest_configure = suite.pytest_configure
pytest_collection_modifyitems = suite.pytest_collection_modifyitems
pytest_generate_tests = suite.pytest_generate_tests
target = suite.target_fixture()


@pytest.fixture
def needs_controllers(target: Target) -> None:
    """For behaviours of kube-controller-manager's controllers: skipped on a bare API
    server (profile ``api-only``)."""
    target.require("controllers")


@pytest.fixture
def needs_pods(target: Target) -> None:
    """For behaviours that run Pods on a Node: skipped where nothing runs them (profile
    ``api-only``)."""
    target.require("controllers")
    target.require("node_agent")
