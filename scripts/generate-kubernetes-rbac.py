#!/usr/bin/env python3
"""Generate src/fakes/kubernetes/rbac.json: the bootstrap RBAC policy the fake starts with.

    python scripts/generate-kubernetes-rbac.py URL TOKEN CA_FILE

reads the ClusterRoles and ClusterRoleBindings in ``ROLES`` and ``BINDINGS`` from a
running kube-apiserver (the ``real-local`` control plane of the conformance suite,
kube-apiserver v1.37.2, with an admin token) and keeps what a new cluster's objects say:
name, labels, annotations, rules, aggregationRule, roleRef and subjects. The rules of
a ClusterRole with an aggregationRule are left out: the fake's aggregation computes them
from the roles the rule selects, as the clusterrole-aggregation controller does.
"""

from __future__ import annotations

import json
import ssl
import sys
import urllib.request
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "src" / "fakes" / "kubernetes" / "rbac.json"
RBAC = "/apis/rbac.authorization.k8s.io/v1"

#: The user-facing roles and the ones every authenticated user is bound to.
ROLES = ["cluster-admin", "admin", "edit", "view", "system:aggregate-to-admin",
         "system:aggregate-to-edit", "system:aggregate-to-view", "system:discovery",
         "system:basic-user", "system:public-info-viewer"]
BINDINGS = ["cluster-admin", "system:discovery", "system:basic-user",
            "system:public-info-viewer"]


def _get(url: str, token: str, context: ssl.SSLContext) -> Any:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, context=context) as answer:
        return json.load(answer)


def _kept(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    meta = obj["metadata"]
    out: dict[str, Any] = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
                           "metadata": {k: meta[k] for k in ("name", "labels", "annotations")
                                        if k in meta}}
    for field in ("aggregationRule", "roleRef", "subjects"):
        if field in obj:
            out[field] = obj[field]
    if "rules" in obj and "aggregationRule" not in obj:
        out["rules"] = obj["rules"]
    return out


def main(url: str, token: str, ca_file: str) -> None:
    context = ssl.create_default_context(cafile=ca_file)
    roles = {o["metadata"]["name"]: o
             for o in _get(f"{url}{RBAC}/clusterroles", token, context)["items"]}
    bindings = {o["metadata"]["name"]: o
                for o in _get(f"{url}{RBAC}/clusterrolebindings", token, context)["items"]}
    document = {
        "source": "measured: kube-apiserver v1.37.2 bootstrap policy "
                  "(scripts/generate-kubernetes-rbac.py)",
        "clusterRoles": [_kept(roles[name], "ClusterRole") for name in ROLES],
        "clusterRoleBindings": [_kept(bindings[name], "ClusterRoleBinding")
                                for name in BINDINGS],
    }
    OUT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
