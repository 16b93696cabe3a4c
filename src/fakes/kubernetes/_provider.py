"""The ``kubernetes`` provider: how the core serves, tests and verifies ``FakeCluster``.

Registered in pyproject.toml under the ``verified_fakes.providers`` entry-point group.
This module is read at pytest start-up and by ``fakes --help``, so it imports nothing
of the fake (and nothing of the ``kubernetes`` client) until a fake is built.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from fakes.providers import Provider, RealTargets

if TYPE_CHECKING:
    from fakes.kubernetes._cluster import FakeCluster

__all__ = ["PROVIDER"]

#: ``--target real-local``: the suite starts a local control plane for the run.
REAL_LOCAL = "real-local"


def _serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kubeconfig", metavar="PATH",
                        help="write the kubeconfig here (default: a temporary file, whose "
                        "path is printed on stderr)")
    parser.add_argument("--token", help="the bearer token clients use (default: random)")
    parser.add_argument("--authorization", choices=("RBAC", "AlwaysAllow"), default="RBAC",
                        help="how requests are authorized (default: RBAC, as on real "
                        "clusters; the kubeconfig's admin is in system:masters)")


def _build_served(args: argparse.Namespace, common: Mapping[str, Any]) -> FakeCluster:
    from fakes.kubernetes._cluster import FakeCluster

    path = args.kubeconfig or os.path.join(tempfile.mkdtemp(prefix="vf-kubeconfig-"),
                                           "kubeconfig")
    # Written when the server starts; stdout's first line is the URL's.
    print(f"kubeconfig: {path}", file=sys.stderr, flush=True)
    return FakeCluster(**common, kubeconfig=path, token=args.token,
                       authorization=args.authorization)


def _environment(
    values: Sequence[str], profile: str | None, environ: Mapping[str, str]
) -> dict[str, str]:
    """``--target real-local`` or ``--target KUBECONFIG[#CONTEXT]`` → FAKES_KUBERNETES_*."""
    if len(set(values)) != 1:
        raise ValueError("only one real target per run")
    value = values[0]
    if value == REAL_LOCAL:
        return {"FAKES_KUBERNETES_TARGET": REAL_LOCAL}
    path, _, context = value.partition("#")
    if not os.path.isfile(path):
        raise ValueError(f"--target must be 'fake', '{REAL_LOCAL}' or the path of a "
                         f"kubeconfig file[#context], not {value!r}")
    selected = {"FAKES_KUBERNETES_TARGET": os.path.abspath(path)}
    if context:
        selected["FAKES_KUBERNETES_CONTEXT"] = context
    return selected


PROVIDER = Provider(
    name="kubernetes",
    summary="Kubernetes API server: core, apps, batch, rbac, networking, coordination, "
            "policy kinds; watch, patch, finalizers",
    fake="fakes.kubernetes:FakeCluster",
    fixture="fake_cluster",
    extra="kubernetes",
    requires=("kubernetes",),  # type: ignore[arg-type]  # attrs converter
    conformance="fakes.conformance.kubernetes",
    serve_options=_serve_options,
    build_served=_build_served,
    real_targets=RealTargets(
        metavar=f"{REAL_LOCAL}|KUBECONFIG[#CONTEXT]",
        help=f"'{REAL_LOCAL}' starts a local kube-apiserver for the run "
             "(scripts/build-kubernetes.sh builds it); or a kubeconfig file of a sandbox "
             "cluster, with an optional #context",
        environment=_environment,
        janitor="fakes.conformance.kubernetes.janitor:run",
    ),
)
