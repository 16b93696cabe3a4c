"""kube-controller-manager's statefulset controller (measured on v1.37.2; see the
conformance tests in test_sets.py).

- Pods named ``<set>-<ordinal>`` (from ``spec.ordinals.start``), with the template's
  labels plus ``controller-revision-hash``, ``statefulset.kubernetes.io/pod-name`` and
  ``apps.kubernetes.io/pod-index``, hostname ``<pod>`` and subdomain ``serviceName``;
- one PersistentVolumeClaim per ``volumeClaimTemplates`` entry and Pod, named
  ``<claim>-<pod>``, made before the Pod and kept when the Pod goes (retention
  ``Retain``), labelled with the set's selector;
- ``OrderedReady``: one Pod at a time, the next once the last is Running and Ready;
  scaled down from the highest ordinal, one at a time; ``Parallel``: all at once;
- ``RollingUpdate``: a changed template gives a new revision; Pods of the old one
  (from ``partition`` up) are deleted from the highest ordinal, one at a time while
  all are Ready, and made again at the new revision; ``OnDelete`` waits for the user;
- status: replicas, readyReplicas, availableReplicas, currentReplicas,
  updatedReplicas, currentRevision, updateRevision, observedGeneration, collisionCount.

Divergences: the revision hash is the fake's own (a hash of the template, the same
shape as the real one but not the same value), and no ControllerRevision objects are
kept; minReadySeconds, persistentVolumeClaimRetentionPolicy ``Delete`` and
maxUnavailable are not acted on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from fakes.kubernetes._controllers import Controller, ControllerApi
from fakes.kubernetes._podtemplates import TERMINAL, deleting, phase, pod_from_template, ready

REVISION = "controller-revision-hash"
POD_NAME = "statefulset.kubernetes.io/pod-name"
POD_INDEX = "apps.kubernetes.io/pod-index"
# The letters apimachinery's SafeEncodeString uses: no vowels, no look-alikes.
_SAFE = "bcdfghjklmnpqrstvwxz2456789"


def revision_hash(template: Mapping[str, Any], collisions: int = 0) -> str:
    """A short name-safe hash of a Pod template (and the collision count)."""
    digest = hashlib.sha256(json.dumps([template, collisions], sort_keys=True).encode())
    value = int.from_bytes(digest.digest()[:8], "big")
    letters = []
    for _ in range(10):
        value, digit = divmod(value, len(_SAFE))
        letters.append(_SAFE[digit])
    return "".join(letters)


def _ordinal(pod: Mapping[str, Any], set_name: str) -> int | None:
    name = str(pod["metadata"]["name"])
    suffix = name[len(set_name) + 1:]
    return int(suffix) if name.startswith(set_name + "-") and suffix.isdigit() else None


class StatefulSetController(Controller):
    name = "statefulset"
    actor = "system:serviceaccount:kube-system:statefulset-controller"
    resource = ("apps", "statefulsets")
    kind = "StatefulSet"
    owns = (("", "pods"),)

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        sts = api.get("apps", "statefulsets", namespace, name)
        if sts is None or deleting(sts):
            return None
        spec = sts["spec"]
        status = sts.get("status") or {}
        update = f"{name}-{revision_hash(spec['template'], status.get('collisionCount', 0))}"
        current = status.get("currentRevision") or update
        pods = {o: p for p in api.owned("", "pods", sts)
                if (o := _ordinal(p, name)) is not None}
        start = (spec.get("ordinals") or {}).get("start", 0)
        wanted = range(start, start + spec.get("replicas", 1))
        ordered = spec.get("podManagementPolicy", "OrderedReady") == "OrderedReady"
        self._scale(api, sts, pods, wanted, update, ordered)
        if spec.get("updateStrategy", {}).get("type", "RollingUpdate") == "RollingUpdate":
            self._roll(api, sts, pods, wanted, update)
        kept = [p for o, p in pods.items() if not deleting(p)]
        if all(p["metadata"]["labels"].get(REVISION) == update for p in kept) and \
                len(kept) == len(wanted):
            current = update
        new_status = {
            "observedGeneration": sts["metadata"].get("generation"),
            "replicas": len(kept),
            "readyReplicas": sum(1 for p in kept if ready(p)),
            "availableReplicas": sum(1 for p in kept if ready(p)),
            "currentReplicas": sum(1 for p in kept
                                   if p["metadata"]["labels"].get(REVISION) == current),
            "updatedReplicas": sum(1 for p in kept
                                   if p["metadata"]["labels"].get(REVISION) == update),
            "currentRevision": current, "updateRevision": update,
            "collisionCount": status.get("collisionCount", 0)}
        new_status = {k: v for k, v in new_status.items()
                      if v or k in ("replicas", "availableReplicas", "collisionCount")}
        if new_status != status:
            api.update("apps", "statefulsets", {**sts, "status": new_status}, status=True)
        return None

    def _scale(self, api: ControllerApi, sts: dict[str, Any], pods: dict[int, dict[str, Any]],
               wanted: range, update: str, ordered: bool) -> None:
        for ordinal in wanted:
            pod = pods.get(ordinal)
            if pod is not None and phase(pod) in TERMINAL and not deleting(pod):
                self._delete(api, sts, pod)  # a finished Pod is made again once gone
                pods.pop(ordinal)
                if ordered:
                    return
                continue
            if pod is None:
                pods[ordinal] = self._create(api, sts, ordinal, update)
                if ordered:
                    return
            elif ordered and (deleting(pod) or not ready(pod)):
                return
        condemned = sorted((o for o in pods if o not in wanted), reverse=True)
        for ordinal in condemned:
            pod = pods[ordinal]
            if deleting(pod):
                if ordered:
                    return
                continue
            if ordered and any(not ready(p) for o, p in pods.items() if o != ordinal):
                return
            self._delete(api, sts, pod)
            pods.pop(ordinal)
            if ordered:
                return

    def _roll(self, api: ControllerApi, sts: dict[str, Any], pods: dict[int, dict[str, Any]],
              wanted: range, update: str) -> None:
        """Replace one Pod of an old revision, the highest first, once all are Ready."""
        if len(pods) != len(wanted) or not all(ready(p) and not deleting(p)
                                                for p in pods.values()):
            return
        rolling = sts["spec"].get("updateStrategy", {}).get("rollingUpdate") or {}
        partition = rolling.get("partition", 0)
        for ordinal in sorted(pods, reverse=True):
            pod = pods[ordinal]
            if ordinal >= wanted.start + partition and \
                    pod["metadata"]["labels"].get(REVISION) != update:
                self._delete(api, sts, pod)
                pods.pop(ordinal)
                return

    @staticmethod
    def _delete(api: ControllerApi, sts: dict[str, Any], pod: dict[str, Any]) -> None:
        api.delete("", "pods", pod)
        api.event(sts, "Normal", "SuccessfulDelete",
                  f"Delete Pod {pod['metadata']['name']} in StatefulSet "
                  f"{sts['metadata']['name']} successful")

    def _create(self, api: ControllerApi, sts: dict[str, Any], ordinal: int,
                update: str) -> dict[str, Any]:
        set_name = sts["metadata"]["name"]
        namespace = sts["metadata"]["namespace"]
        spec = sts["spec"]
        name = f"{set_name}-{ordinal}"
        pod = pod_from_template(sts, spec["template"], name=name, generate_name=f"{set_name}-")
        pod["metadata"]["labels"] = {**pod["metadata"].get("labels", {}), REVISION: update,
                                     POD_NAME: name, POD_INDEX: str(ordinal)}
        pod["spec"]["hostname"] = name
        if spec.get("serviceName"):
            pod["spec"]["subdomain"] = spec["serviceName"]
        volumes = [v for v in pod["spec"].get("volumes") or ()]
        for template in spec.get("volumeClaimTemplates") or ():
            claim = f"{template['metadata']['name']}-{name}"
            volumes = [v for v in volumes if v.get("name") != template["metadata"]["name"]]
            volumes.append({"name": template["metadata"]["name"],
                            "persistentVolumeClaim": {"claimName": claim}})
            if api.get("", "persistentvolumeclaims", namespace, claim) is None:
                labels = {**(template["metadata"].get("labels") or {}),
                          **(spec["selector"].get("matchLabels") or {})}
                api.create("", "persistentvolumeclaims", namespace, {
                    "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": claim, "namespace": namespace, "labels": labels},
                    "spec": template.get("spec") or {}})
                api.event(sts, "Normal", "SuccessfulCreate",
                          f"Create Claim {claim} Pod {name} in StatefulSet {set_name} success")
        if volumes:
            pod["spec"]["volumes"] = volumes
        made = api.create("", "pods", namespace, pod)
        api.event(sts, "Normal", "SuccessfulCreate",
                  f"Create Pod {name} in StatefulSet {set_name} successful")
        return made
