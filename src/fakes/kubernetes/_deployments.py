"""kube-controller-manager's Deployment controller: one ReplicaSet per Pod template,
rolled out by the Deployment's strategy, and the Deployment's status and conditions.

Modelled (measured on kube-controller-manager v1.37.2, and the Deployment docs,
https://kubernetes.io/docs/concepts/workloads/controllers/deployment/):

- the ReplicaSet of the current template is ``<deployment>-<pod-template-hash>``, the
  hash added to its labels, selector and template labels; it carries the annotations
  ``deployment.kubernetes.io/revision`` (one more than the highest of the others),
  ``desired-replicas`` and ``max-replicas`` (replicas plus maxSurge), the Deployment's
  own annotations but kubectl's and the controller's, and an ownerReference with
  ``controller`` and ``blockOwnerDeletion``; ReplicaSets that match the selector and
  have no controller are adopted, owned ones that no longer match are released;
- a template seen before (``kubectl rollout undo``) brings its ReplicaSet back with
  the next revision, the old numbers in ``deployment.kubernetes.io/revision-history``;
- ``RollingUpdate``: the new ReplicaSet grows while all Pods stay within replicas plus
  ``maxSurge`` (percentages rounded up), old ones shrink while the available Pods stay
  at least replicas minus ``maxUnavailable`` (rounded down; both zero makes it 1), old
  ReplicaSets with unavailable Pods first; ``Recreate``: old ReplicaSets go to zero, the
  new one is made once their Pods are gone;
- a change of only ``spec.replicas`` during a rollout is spread over the ReplicaSets in
  proportion to their sizes; ``paused`` stops the rollout but not scaling;
- ``ScalingReplicaSet`` Events ("Scaled up replica set NAME from 0 to 3");
- status: ``observedGeneration``, ``replicas``, ``updatedReplicas``, ``readyReplicas``,
  ``availableReplicas``, ``unavailableReplicas``, ``terminatingReplicas``, the
  ``Available`` and ``Progressing`` conditions with the real reasons and messages (the
  fake's clock in their times), ``ProgressDeadlineExceeded`` once
  ``progressDeadlineSeconds`` of the clock pass without progress, ``ReplicaFailure``
  copied from a ReplicaSet;
- the revision annotation on the Deployment, and ``revisionHistoryLimit``: the oldest
  empty ReplicaSets beyond it are deleted once a rollout is complete.

apps/v1 defaults ``progressDeadlineSeconds`` (600) and ``revisionHistoryLimit`` (10), so
the real controller's paths for Deployments without them are not modelled.

Divergence: the pod-template-hash is FNV-32a, safe-encoded as the real one, but over
the template's canonical JSON rather than Go's ``DeepHashObject`` dump of the typed
struct, so the names differ from a real cluster's (they are as stable: the same
template always gives the same name).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

from fakes.kubernetes._controllers import Controller, ControllerApi, controller_of, owner_reference
from fakes.kubernetes._model import Event
from fakes.kubernetes._replicasets import (
    claim,
    parse_time,
    relabelled_owner,
    selector_of,
    set_condition,
)

HASH_LABEL = "pod-template-hash"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
#: Deployment annotations a ReplicaSet does not copy.
_NOT_COPIED = (REVISION, REVISION_HISTORY, DESIRED, MAX_REPLICAS,
               "kubectl.kubernetes.io/last-applied-configuration",
               "deprecated.deployment.rollback.to")
#: apimachinery's rand.SafeEncodeString alphabet (no vowels, no look-alikes).
_SAFE = "bcdfghjklmnpqrstvwxz2456789"
_APPS = ("apps", "replicasets")


def template_hash(template: Mapping[str, Any], collision_count: int | None) -> str:
    """FNV-32a of the template (and the collision count), its decimal digits
    safe-encoded as kcm's controller.ComputeHash writes them."""
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += str(collision_count).encode()
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE[ord(digit) % len(_SAFE)] for digit in str(value))


def scaled(value: Any, total: int, *, round_up: bool) -> int:
    """An int-or-percentage of ``total`` (intstr.GetScaledValueFromIntOrPercent)."""
    if isinstance(value, int):
        return value
    text = str(value or "0")
    percent = int(text.rstrip("%")) if text.endswith("%") else int(text)
    exact = percent * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)


def fenceposts(deployment: Mapping[str, Any]) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) of a rolling update, resolved against replicas."""
    spec = deployment.get("spec") or {}
    strategy = spec.get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return 0, 0
    rolling = strategy.get("rollingUpdate") or {}
    replicas = _replicas(deployment)
    surge = scaled(rolling.get("maxSurge", "25%"), replicas, round_up=True)
    unavailable = scaled(rolling.get("maxUnavailable", "25%"), replicas, round_up=False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, replicas)


def _replicas(obj: Mapping[str, Any]) -> int:
    return int((obj.get("spec") or {}).get("replicas", 1))


def _status(obj: Mapping[str, Any], field: str) -> int:
    return int((obj.get("status") or {}).get(field, 0) or 0)


def _annotations(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict(obj["metadata"].get("annotations") or {})


def _revision(rs: Mapping[str, Any]) -> int:
    try:
        return int(_annotations(rs).get(REVISION, "0"))
    except ValueError:
        return 0


def _without_hash(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template as the controller compares and hashes it: without the hash label,
    and without metadata fields that are null (kubectl sends ``creationTimestamp:
    null``, a zero value the real server's typed objects do not keep)."""
    meta = {k: v for k, v in (template.get("metadata") or {}).items() if v is not None}
    labels = {k: v for k, v in (meta.get("labels") or {}).items() if k != HASH_LABEL}
    meta.pop("labels", None)
    if labels:
        meta["labels"] = labels
    return {**template, "metadata": meta}


def _by_age(rs: Mapping[str, Any]) -> tuple[float, str]:
    return parse_time(rs["metadata"].get("creationTimestamp")) or 0.0, rs["metadata"]["name"]


class DeploymentController(Controller):
    """kcm's ``deployment`` controller."""

    name = "deployment"
    actor = "system:serviceaccount:kube-system:deployment-controller"
    resource = ("apps", "deployments")
    kind = "Deployment"
    owns = (_APPS,)

    def __init__(self) -> None:
        #: (namespace, Deployment) whose owned ReplicaSet had its labels changed: its
        #: next sync looks at every ReplicaSet of the namespace (see ReplicaSetController).
        self._relabelled: set[tuple[str, str]] = set()

    def wakes(self, event: Event) -> Iterator[tuple[str, str]]:
        yield from super().wakes(event)
        group, plural, namespace, _ = event.key
        if (group, plural) != _APPS or event.object is None:
            return
        if controller_of(event.object) is None:
            yield namespace, ""  # an orphan: every Deployment of the namespace looks
        owner = relabelled_owner(event, self.kind)
        if owner is not None:
            self._relabelled.add((namespace, owner))

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        if not name:
            waits = [self.sync(api, namespace, d["metadata"]["name"])
                     for d in api.list_objects("apps", "deployments", namespace)]
            return min((w for w in waits if w is not None), default=None)
        deployment = api.get("apps", "deployments", namespace, name)
        if deployment is None:
            self._relabelled.discard((namespace, name))
            return None
        every = (namespace, name) in self._relabelled
        self._relabelled.discard((namespace, name))
        Rollout(api, deployment).run(every_replica_set=every)
        return self._deadline_in(api, namespace, name)

    @staticmethod
    def _deadline_in(api: ControllerApi, namespace: str, name: str) -> float | None:
        """Seconds until a rollout in progress passes its progress deadline."""
        deployment = api.get("apps", "deployments", namespace, name)
        if deployment is None:
            return None
        spec = deployment.get("spec") or {}
        deadline = spec.get("progressDeadlineSeconds", 600)
        progressing = _condition(deployment, "Progressing")
        if progressing is None or spec.get("paused") \
                or progressing.get("reason") in ("NewReplicaSetAvailable",
                                                 "ProgressDeadlineExceeded"):
            return None
        since = parse_time(progressing.get("lastUpdateTime")) or 0.0
        # The real controller looks again a second after the deadline.
        return max(0.0, since + float(deadline) + 1 - api.clock.now().timestamp())


def _round(value: float) -> int:
    """Go's integer.RoundToInt32: halves away from zero."""
    return math.floor(value + 0.5) if value >= 0 else -math.floor(-value + 0.5)


def _condition(obj: Mapping[str, Any], kind: str) -> dict[str, Any] | None:
    for condition in (obj.get("status") or {}).get("conditions") or ():
        if condition.get("type") == kind:
            return condition  # type: ignore[no-any-return]
    return None


class Rollout:
    """One sync of one Deployment (kcm's syncDeployment)."""

    def __init__(self, api: ControllerApi, deployment: dict[str, Any]) -> None:
        self.api = api
        self.d = deployment
        self.namespace = deployment["metadata"]["namespace"]
        self.spec = deployment.get("spec") or {}

    # -- the flow ------------------------------------------------------------------

    def run(self, *, every_replica_set: bool = False) -> None:
        selector = selector_of(self.d)
        candidates = self.api.list_objects(
            *_APPS, self.namespace, labels=None if every_replica_set else selector)
        replica_sets = claim(self.api, self.d, *_APPS, candidates, selector)
        if self.d["metadata"].get("deletionTimestamp"):
            self._sync_status(replica_sets, progress=False)
            return
        self._paused_condition()
        strategy = (self.spec.get("strategy") or {}).get("type", "RollingUpdate")
        if self.spec.get("paused") or self._is_scaling_event(replica_sets):
            new, old = self._new_and_old(replica_sets, create=False)
            self._scale(new, old)
            if self.spec.get("paused"):
                self._cleanup(old)
            self._sync_status([*old, *([new] if new else [])], progress=False)
            return
        if strategy == "Recreate":
            self._recreate(replica_sets)
        else:
            self._rolling(replica_sets)

    def _rolling(self, replica_sets: list[dict[str, Any]]) -> None:
        new, old = self._new_and_old(replica_sets, create=True)
        assert new is not None
        everything = [*old, new]
        if self._reconcile_new(new, everything) or self._reconcile_old(new, old, everything):
            self._sync_status(self._fresh(everything), progress=True)
            return
        everything = self._fresh(everything)
        if self._complete(everything):
            self._cleanup(old)
        self._sync_status(everything, progress=True)

    def _recreate(self, replica_sets: list[dict[str, Any]]) -> None:
        new, old = self._new_and_old(replica_sets, create=False)
        everything = [*old, *([new] if new else [])]
        scaled_down = False
        for rs in old:
            if _replicas(rs) > 0:
                self._scale_rs(rs, 0)
                scaled_down = True
        if scaled_down:
            self._sync_status(self._fresh(everything), progress=True)
            return
        if any(self._has_pods(rs) for rs in old):
            self._sync_status(everything, progress=True)
            return
        if new is None:
            new, old = self._new_and_old(self._fresh(everything), create=True)
            assert new is not None
            everything = [*old, new]
        if _replicas(new) != _replicas(self.d):
            self._scale_rs(new, _replicas(self.d))
            everything = self._fresh(everything)
        if self._complete(everything):
            self._cleanup(old)
        self._sync_status(everything, progress=True)

    def _has_pods(self, rs: Mapping[str, Any]) -> bool:
        if _status(rs, "replicas") > 0:
            return True
        uid = rs["metadata"]["uid"]
        return any((controller_of(p) or {}).get("uid") == uid
                   and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
                   for p in self.api.list_objects("", "pods", self.namespace))

    # -- ReplicaSets ---------------------------------------------------------------

    def _fresh(self, replica_sets: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found = (self.api.get(*_APPS, self.namespace, rs["metadata"]["name"])
                 for rs in replica_sets)
        return [rs for rs in found if rs is not None]

    def _new_and_old(self, replica_sets: list[dict[str, Any]], *, create: bool
                     ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        template = _without_hash(self.spec.get("template") or {})
        ordered = sorted(replica_sets, key=_by_age)
        new = next((rs for rs in ordered
                    if _without_hash((rs.get("spec") or {}).get("template") or {}) == template),
                   None)
        old = [rs for rs in ordered if rs is not new]
        revision = max((_revision(rs) for rs in old), default=0) + 1
        if new is not None:
            new = self._sync_new(new, revision)
        elif create:
            new = self._create_new(template, old, revision)
        if new is not None and self._set_revision(_annotations(new).get(REVISION, "")):
            self._write_status()
        return new, old

    def _sync_new(self, new: dict[str, Any], revision: int) -> dict[str, Any]:
        """An existing new ReplicaSet: its annotations and minReadySeconds kept in step."""
        annotations = self._rs_annotations(new, revision)
        min_ready = self.spec.get("minReadySeconds", 0)
        if annotations != _annotations(new) or \
                (new.get("spec") or {}).get("minReadySeconds", 0) != min_ready:
            new["metadata"]["annotations"] = annotations
            new["spec"]["minReadySeconds"] = min_ready
            if not min_ready:
                del new["spec"]["minReadySeconds"]
            new = self.api.update(*_APPS, new)
        if _condition(self.d, "Progressing") is None:
            self._set_condition("Progressing", "True", "FoundNewReplicaSet",
                                f'Found new replica set "{new["metadata"]["name"]}"')
            self._write_status()
        return new

    def _rs_annotations(self, rs: Mapping[str, Any] | None, revision: int) -> dict[str, str]:
        annotations = _annotations(rs) if rs is not None else {}
        annotations.update({k: v for k, v in _annotations(self.d).items()
                            if k not in _NOT_COPIED})
        old = annotations.get(REVISION)
        if old is None or int(old or "0") < revision:
            if old:
                history = annotations.get(REVISION_HISTORY)
                annotations[REVISION_HISTORY] = f"{history},{old}" if history else old
            annotations[REVISION] = str(revision)
        return annotations

    def _with_sizes(self, annotations: dict[str, str]) -> dict[str, str]:
        """The desired-replicas and max-replicas annotations, which only making or
        scaling a ReplicaSet writes."""
        surge, _ = fenceposts(self.d)
        return {**annotations, DESIRED: str(_replicas(self.d)),
                MAX_REPLICAS: str(_replicas(self.d) + surge)}

    def _create_new(self, template: dict[str, Any], old: list[dict[str, Any]],
                    revision: int) -> dict[str, Any]:
        status = self.d.setdefault("status", {})
        while True:
            digest = template_hash(template, status.get("collisionCount"))
            name = f"{self.d['metadata']['name']}-{digest}"
            existing = self.api.get(*_APPS, self.namespace, name)
            if existing is None:
                break
            if (controller_of(existing) or {}).get("uid") == self.d["metadata"]["uid"] and \
                    _without_hash(existing["spec"]["template"]) == template:
                return existing
            # Someone else's ReplicaSet has the name: count a collision, hash again.
            status["collisionCount"] = status.get("collisionCount", 0) + 1
        labels = {**(template.get("metadata") or {}).get("labels", {}), HASH_LABEL: digest}
        selector = dict(self.spec.get("selector") or {})
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: digest}
        spec: dict[str, Any] = {
            "replicas": 0, "selector": selector,
            "template": {**template, "metadata": {**(template.get("metadata") or {}),
                                                  "labels": labels}}}
        if self.spec.get("minReadySeconds"):
            spec["minReadySeconds"] = self.spec["minReadySeconds"]
        body: dict[str, Any] = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": name, "namespace": self.namespace, "labels": labels,
                             "ownerReferences": [owner_reference(self.d)]},
                "spec": spec}
        body["spec"]["replicas"] = self._new_replicas(body, [*old, body])
        body["metadata"]["annotations"] = self._with_sizes(self._rs_annotations(None, revision))
        made = self.api.create(*_APPS, self.namespace, body)
        if _replicas(made) > 0:
            self.api.event(self.d, "Normal", "ScalingReplicaSet",
                           f"Scaled up replica set {name} from 0 to {_replicas(made)}")
        self._set_condition("Progressing", "True", "NewReplicaSetCreated",
                            f'Created new replica set "{name}"')
        self._set_revision(str(revision))
        self._write_status()
        return made

    def _set_revision(self, revision: str) -> bool:
        annotations = _annotations(self.d)
        if not revision or annotations.get(REVISION) == revision:
            return False
        annotations[REVISION] = revision
        self.d["metadata"]["annotations"] = annotations
        return True

    def _write_status(self) -> None:
        """Write the Deployment's status (and the revision annotation with it, as the
        real controller's status updates do)."""
        self.d = self.api.update("apps", "deployments", self.d, status=True)

    def _scale_rs(self, rs: dict[str, Any], replicas: int) -> dict[str, Any]:
        before = _replicas(rs)
        annotations = self._with_sizes(_annotations(rs))
        if before == replicas and annotations == _annotations(rs):
            return rs
        rs["spec"]["replicas"] = replicas
        rs["metadata"]["annotations"] = annotations
        updated = self.api.update(*_APPS, rs)
        if before != replicas:
            direction = "up" if replicas > before else "down"
            self.api.event(self.d, "Normal", "ScalingReplicaSet",
                           f"Scaled {direction} replica set {rs['metadata']['name']} "
                           f"from {before} to {replicas}")
        rs.clear()
        rs.update(updated)
        return updated

    def _new_replicas(self, new: Mapping[str, Any], everything: list[Any]) -> int:
        """How big the new ReplicaSet may be now (deploymentutil.NewRSNewReplicas)."""
        wanted = _replicas(self.d)
        if (self.spec.get("strategy") or {}).get("type") == "Recreate":
            return wanted
        surge, _ = fenceposts(self.d)
        current = sum(_replicas(rs) for rs in everything)
        if current >= wanted + surge:
            return _replicas(new)
        return _replicas(new) + min(wanted + surge - current, wanted - _replicas(new))

    def _reconcile_new(self, new: dict[str, Any], everything: list[dict[str, Any]]) -> bool:
        wanted = _replicas(self.d)
        if _replicas(new) == wanted:
            return False
        if _replicas(new) > wanted:
            self._scale_rs(new, wanted)
            return True
        count = self._new_replicas(new, everything)
        if count == _replicas(new):
            return False
        self._scale_rs(new, count)
        return True

    def _reconcile_old(self, new: dict[str, Any], old: list[dict[str, Any]],
                       everything: list[dict[str, Any]]) -> bool:
        if sum(_replicas(rs) for rs in old) == 0:
            return False
        _, max_unavailable = fenceposts(self.d)
        min_available = _replicas(self.d) - max_unavailable
        new_unavailable = _replicas(new) - _status(new, "availableReplicas")
        budget = sum(_replicas(rs) for rs in everything) - min_available - new_unavailable
        if budget <= 0:
            return False
        cleaned = 0
        for rs in sorted(old, key=_by_age):  # unhealthy ones first
            if cleaned >= budget:
                break
            if _replicas(rs) == 0 or _replicas(rs) == _status(rs, "availableReplicas"):
                continue
            count = min(budget - cleaned, _replicas(rs) - _status(rs, "availableReplicas"))
            self._scale_rs(rs, _replicas(rs) - count)
            cleaned += count
        available = sum(_status(rs, "availableReplicas") for rs in everything)
        scaled_down = 0
        if available > min_available:
            total = available - min_available
            for rs in sorted(old, key=_by_age):
                if scaled_down >= total:
                    break
                if _replicas(rs) == 0:
                    continue
                count = min(_replicas(rs), total - scaled_down)
                self._scale_rs(rs, _replicas(rs) - count)
                scaled_down += count
        return cleaned + scaled_down > 0

    # -- scaling (replicas changed, or paused) -------------------------------------------

    def _is_scaling_event(self, replica_sets: list[dict[str, Any]]) -> bool:
        wanted = str(_replicas(self.d))
        return any(_replicas(rs) > 0 and _annotations(rs).get(DESIRED) not in (None, wanted)
                   for rs in replica_sets)

    def _peek(self, replica_sets: list[dict[str, Any]]
              ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        template = _without_hash(self.spec.get("template") or {})
        ordered = sorted(replica_sets, key=_by_age)
        new = next((rs for rs in ordered
                    if _without_hash((rs.get("spec") or {}).get("template") or {}) == template),
                   None)
        return new, [rs for rs in ordered if rs is not new]

    def _scale(self, new: dict[str, Any] | None, old: list[dict[str, Any]]) -> None:
        """kcm's Deployment scale(): one active ReplicaSet takes all replicas; a
        saturated new one empties the old ones; otherwise the change is shared out in
        proportion to the ReplicaSets' sizes."""
        wanted = _replicas(self.d)
        everything = [*([new] if new is not None else []), *old]
        active = [rs for rs in everything if _replicas(rs) > 0]
        if len(active) <= 1:
            chosen = active[0] if active else (
                new if new is not None else max(old, key=_by_age, default=None))
            if chosen is not None:
                self._scale_rs(chosen, wanted)
            return
        if new is not None and _replicas(new) == wanted \
                and _annotations(new).get(DESIRED) == str(wanted) \
                and _status(new, "availableReplicas") == wanted:
            for rs in old:
                self._scale_rs(rs, 0)
            return
        if (self.spec.get("strategy") or {}).get("type", "RollingUpdate") != "RollingUpdate":
            return
        to_add = wanted + fenceposts(self.d)[0] - sum(_replicas(rs) for rs in active)
        # Largest first; on a tie the newer first when growing, the older when shrinking.
        ordered = sorted(active, key=_by_age, reverse=to_add > 0)
        ordered.sort(key=_replicas, reverse=True)
        sizes = {rs["metadata"]["name"]: _replicas(rs) for rs in ordered}
        added = 0
        for rs in ordered:
            share = self._proportion(rs, to_add, added)
            sizes[rs["metadata"]["name"]] += share
            added += share
        first = ordered[0]["metadata"]["name"]
        sizes[first] = max(0, sizes[first] + to_add - added)
        for rs in ordered:
            self._scale_rs(rs, sizes[rs["metadata"]["name"]])

    def _proportion(self, rs: Mapping[str, Any], to_add: int, added: int) -> int:
        """deploymentutil.GetProportion: the ReplicaSet's share of the change, from the
        size it was given for the max-replicas annotation."""
        if _replicas(rs) == 0 or to_add in (0, added):
            return 0
        wanted = _replicas(self.d)
        if wanted == 0:
            fraction = -_replicas(rs)
        else:
            try:
                annotated = int(_annotations(rs)[MAX_REPLICAS])
            except (KeyError, ValueError):
                annotated = _status(self.d, "replicas")
            total = wanted + fenceposts(self.d)[0]
            fraction = _round(_replicas(rs) * total / annotated) - _replicas(rs)
        allowed = to_add - added
        return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)

    # -- history -------------------------------------------------------------------------

    def _cleanup(self, old: list[dict[str, Any]]) -> None:
        limit = int(self.spec.get("revisionHistoryLimit", 10))
        alive = [rs for rs in self._fresh(old) if not rs["metadata"].get("deletionTimestamp")]
        for rs in sorted(alive, key=_revision)[:max(0, len(alive) - limit)]:
            if _status(rs, "replicas") or _replicas(rs) or \
                    rs["metadata"].get("generation", 1) > _status(rs, "observedGeneration"):
                continue
            self.api.delete(*_APPS, rs)

    # -- status --------------------------------------------------------------------------

    def _complete(self, everything: list[dict[str, Any]]) -> bool:
        return self._is_complete(self._calculate(everything))

    def _is_complete(self, status: Mapping[str, Any]) -> bool:
        """Every replica updated and available (deploymentutil.DeploymentComplete)."""
        wanted = _replicas(self.d)
        return all(int(status.get(f, 0)) == wanted
                   for f in ("updatedReplicas", "replicas", "availableReplicas")) and \
            int(status.get("observedGeneration", 0)) >= self.d["metadata"].get("generation", 1)

    def _calculate(self, everything: list[dict[str, Any]]) -> dict[str, Any]:
        new, _ = self._peek(everything)
        available = sum(_status(rs, "availableReplicas") for rs in everything)
        status = dict(self.d.get("status") or {})
        status.update({
            "observedGeneration": self.d["metadata"].get("generation", 1),
            "replicas": sum(_status(rs, "replicas") for rs in everything),
            "updatedReplicas": _status(new, "replicas") if new is not None else 0,
            "readyReplicas": sum(_status(rs, "readyReplicas") for rs in everything),
            "availableReplicas": available,
            # Unavailable of all the ReplicaSets' desired Pods, surge included.
            "unavailableReplicas": max(0, sum(_replicas(rs) for rs in everything) - available),
            "terminatingReplicas": sum(_status(rs, "terminatingReplicas") for rs in everything)})
        for field in ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas",
                      "availableReplicas", "unavailableReplicas"):
            if not status[field]:
                del status[field]  # omitempty
        return status

    def _sync_status(self, everything: list[dict[str, Any]], *, progress: bool) -> None:
        before = self.d.get("status") or {}
        status = self._calculate(everything)
        self.d["status"] = status
        _, max_unavailable = fenceposts(self.d)
        if status.get("availableReplicas", 0) >= _replicas(self.d) - max_unavailable:
            self._set_condition("Available", "True", "MinimumReplicasAvailable",
                                "Deployment has minimum availability.")
        else:
            self._set_condition("Available", "False", "MinimumReplicasUnavailable",
                                "Deployment does not have minimum availability.")
        if progress:
            self._progress(everything, before)
        failure = next((c for rs in everything for c in (rs.get("status") or {}).get(
            "conditions") or () if c.get("type") == "ReplicaFailure"), None)
        conditions = [c for c in status.get("conditions") or ()
                      if c.get("type") != "ReplicaFailure"]
        if failure is not None:
            current = _condition(self.d, "ReplicaFailure")
            conditions = [*conditions, current if current is not None else {
                "type": "ReplicaFailure", "status": failure.get("status"),
                "lastUpdateTime": self.api.now(), "lastTransitionTime": self.api.now(),
                "reason": failure.get("reason"), "message": failure.get("message")}]
        status["conditions"] = conditions
        if status != before:
            self._write_status()

    def _progress(self, everything: list[dict[str, Any]], before: Mapping[str, Any]) -> None:
        new, _ = self._peek(everything)
        status = self.d["status"]
        current = _condition(self.d, "Progressing")
        if status.get("replicas", 0) == status.get("updatedReplicas", 0) and current is not None \
                and current.get("reason") == "NewReplicaSetAvailable":
            return
        rs_name = new["metadata"]["name"] if new is not None else None
        if self._is_complete(status):
            self._set_condition("Progressing", "True", "NewReplicaSetAvailable",
                                f'ReplicaSet "{rs_name}" has successfully progressed.'
                                if rs_name else "Deployment has successfully progressed.")
        elif self._progressing(status, before):
            condition = self._new_condition(
                "Progressing", "True", "ReplicaSetUpdated",
                f'ReplicaSet "{rs_name}" is progressing.' if rs_name
                else "Deployment is progressing.")
            if current is not None and current.get("status") == "True":
                condition["lastTransitionTime"] = current.get("lastTransitionTime")
            status["conditions"] = [*(c for c in status.get("conditions") or ()
                                      if c.get("type") != "Progressing"), condition]
        elif self._timed_out(current):
            name = self.d["metadata"]["name"]
            self._set_condition("Progressing", "False", "ProgressDeadlineExceeded",
                                f'ReplicaSet "{rs_name}" has timed out progressing.'
                                if rs_name else f'Deployment "{name}" has timed out progressing.')

    @staticmethod
    def _progressing(status: Mapping[str, Any], before: Mapping[str, Any]) -> bool:
        def old(s: Mapping[str, Any]) -> int:
            return int(s.get("replicas", 0)) - int(s.get("updatedReplicas", 0))

        return (status.get("updatedReplicas", 0) > before.get("updatedReplicas", 0)
                or status.get("readyReplicas", 0) > before.get("readyReplicas", 0)
                or old(status) < old(before)
                or status.get("availableReplicas", 0) > before.get("availableReplicas", 0))

    def _timed_out(self, current: Mapping[str, Any] | None) -> bool:
        if current is None or current.get("reason") == "NewReplicaSetAvailable":
            return False
        if current.get("reason") == "ProgressDeadlineExceeded":
            return True
        since = parse_time(current.get("lastUpdateTime")) or 0.0
        deadline = since + int(self.spec.get("progressDeadlineSeconds", 600))
        return deadline < self.api.clock.now().timestamp()

    def _paused_condition(self) -> None:
        """Progressing is Unknown while paused (DeploymentPaused), and says so when
        resumed (DeploymentResumed)."""
        current = _condition(self.d, "Progressing")
        paused = bool(self.spec.get("paused"))
        if paused and (current is None or current.get("reason") != "DeploymentPaused"):
            self._set_condition("Progressing", "Unknown", "DeploymentPaused",
                                "Deployment is paused")
        elif not paused and current is not None and current.get("reason") == "DeploymentPaused":
            self._set_condition("Progressing", "Unknown", "DeploymentResumed",
                                "Deployment is resumed")
        else:
            return
        self._write_status()

    def _new_condition(self, kind: str, status: str, reason: str, message: str
                       ) -> dict[str, Any]:
        now = self.api.now()
        return {"type": kind, "status": status, "lastUpdateTime": now,
                "lastTransitionTime": now, "reason": reason, "message": message}

    def _set_condition(self, kind: str, status: str, reason: str, message: str) -> None:
        conditions = list((self.d.get("status") or {}).get("conditions") or ())
        self.d.setdefault("status", {})["conditions"] = set_condition(
            conditions, self._new_condition(kind, status, reason, message))
