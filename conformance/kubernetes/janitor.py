"""Remove what earlier conformance runs left in a real cluster.

Each run works only in namespaces it creates, labelled ``verified-fakes/run=<run id>``
(the run id starts with the run's UTC start time) and deletes them at the end, and so
its CustomResourceDefinitions (same label, in API groups named for the run). A run
that was killed cannot; the janitor lists the namespaces and definitions with that
label and deletes those of runs started before the expiry. Runs younger than an hour
are never touched.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import timedelta

from fakes.conformance import expiry_cutoff, run_started
from fakes.conformance.kubernetes.targets import CRD_PATH, RUN_LABEL, RealTarget

__all__ = ["run"]


def run(environ: Mapping[str, str], older_than: timedelta) -> int:
    """Delete the expired run namespaces of the cluster ``environ`` names."""
    if environ.get("FAKES_KUBERNETES_TARGET") == "real-local":
        print("nothing to sweep: a real-local control plane lives only for its run")
        return 0
    target = RealTarget.from_environment(environ)
    try:
        cutoff = expiry_cutoff(older_than)
        core = target.api("CoreV1Api")
        for namespace in core.list_namespace(label_selector=RUN_LABEL).items:
            name = namespace.metadata.name
            started = run_started(name)
            if started is None:
                print(f"kept     {name}  (not named by a run)")
            elif started >= cutoff:
                print(f"kept     {name}  (younger than the expiry)")
            elif namespace.metadata.deletion_timestamp is not None:
                print(f"deleting {name}  (already terminating)")
            else:
                core.delete_namespace(name)
                print(f"deleted  {name}")
        definitions = target.http("GET", f"{CRD_PATH}?labelSelector={RUN_LABEL}").json()
        for crd in definitions.get("items", []):
            name = crd["metadata"]["name"]
            started = run_started(crd["spec"]["group"])
            if started is None or started >= cutoff:
                print(f"kept     {name}  (not named by an expired run)")
            else:
                target.http("DELETE", f"{CRD_PATH}/{name}")
                print(f"deleted  {name}")
        return 0
    except Exception as error:  # the janitor says what failed and exits non-zero
        print(f"janitor: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    finally:
        target.close()
