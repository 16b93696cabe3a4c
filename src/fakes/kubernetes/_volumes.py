"""kube-controller-manager's persistent-volume binder: static binding only (measured on
v1.37.2; see the conformance tests in test_sets.py).

- a new PersistentVolume (Pending from its registry) becomes ``Available``;
- a Pending claim binds to the smallest Available volume that fits it: the same
  ``storageClassName`` and ``volumeMode``, every access mode it asks for, at least the
  storage it requests, labels its ``selector`` matches (a claim naming a volume in
  ``volumeName``, or a volume whose ``claimRef`` names the claim, binds only to that
  one). The volume gets the ``claimRef`` and ``pv.kubernetes.io/bound-by-controller``,
  the claim ``volumeName`` and ``pv.kubernetes.io/bind-completed``; both turn
  ``Bound``, the claim's status showing the volume's access modes and capacity;
- a claim nothing fits stays Pending with an Event: ``ProvisioningFailed`` when it
  names a storage class (there are no StorageClasses in the fake, so none provisions),
  ``FailedBinding`` when it names none;
- a bound claim deleted leaves its volume ``Released``.

Divergences: no dynamic provisioning (a claim for a class with a provisioner stays
Pending, as on a cluster without that provisioner); the reclaim policies Delete and
Recycle are not acted on (the volume stays Released); the claim's ``Unused`` condition
and the protection finalizers are not written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from fakes.kubernetes._controllers import EVERY, Controller, ControllerApi
from fakes.kubernetes._model import Event
from fakes.kubernetes._podtemplates import deleting, selects
from fakes.kubernetes._quantity import decode

BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
BIND_COMPLETED = "pv.kubernetes.io/bind-completed"


def _storage(resources: Mapping[str, Any] | None) -> Any:
    amount = (resources or {}).get("storage")
    return decode(amount).value if amount is not None else 0


def _fits(claim: Mapping[str, Any], volume: Mapping[str, Any]) -> bool:
    want, have = claim["spec"], volume["spec"]
    return (want.get("storageClassName") or "") == (have.get("storageClassName") or "") \
        and want.get("volumeMode", "Filesystem") == have.get("volumeMode", "Filesystem") \
        and set(want.get("accessModes") or ()) <= set(have.get("accessModes") or ()) \
        and _storage((want.get("resources") or {}).get("requests")) <= _storage(
            have.get("capacity")) \
        and selects(want.get("selector"), volume["metadata"].get("labels") or {})


def _names(volume: Mapping[str, Any], claim: Mapping[str, Any]) -> bool:
    """Whether the volume's claimRef is (or is meant for) this claim."""
    ref = volume["spec"].get("claimRef") or {}
    meta = claim["metadata"]
    return (ref.get("namespace"), ref.get("name")) == (meta["namespace"], meta["name"]) and \
        ref.get("uid") in (None, meta["uid"])


class PersistentVolumeBinder(Controller):
    name = "persistentvolume-binder"
    actor = "system:serviceaccount:kube-system:persistent-volume-binder"
    component = "persistentvolume-controller"
    resource = ("", "persistentvolumeclaims")
    kind = "PersistentVolumeClaim"

    def wakes(self, event: Event) -> Iterator[tuple[str, str]]:
        group, plural, namespace, name = event.key
        if (group, plural) == ("", "persistentvolumes") or (
                (group, plural) == self.resource and event.type == "DELETED"):
            yield EVERY  # a volume changed, or a claim went: its volume may be released
        elif (group, plural) == self.resource:
            yield namespace, name

    def sync(self, api: ControllerApi, namespace: str, name: str) -> float | None:
        if (namespace, name) == EVERY:
            for volume in api.list_objects("", "persistentvolumes"):
                self._sync_volume(api, volume)
            claims = api.list_objects("", "persistentvolumeclaims")
        else:
            one = api.get("", "persistentvolumeclaims", namespace, name)
            claims = [] if one is None else [one]
        for claim in claims:
            if not deleting(claim) and (claim.get("status") or {}).get("phase") in (
                    None, "Pending"):
                self._bind(api, claim)
        return None

    @staticmethod
    def _set_phase(api: ControllerApi, volume: dict[str, Any], phase: str) -> dict[str, Any]:
        volume = {**volume, "status": {**(volume.get("status") or {}), "phase": phase,
                                       "lastPhaseTransitionTime": api.now()}}
        return api.update("", "persistentvolumes", volume, status=True)

    def _sync_volume(self, api: ControllerApi, volume: dict[str, Any]) -> None:
        phase = (volume.get("status") or {}).get("phase")
        ref = volume["spec"].get("claimRef")
        if ref is None:
            if phase in (None, "Pending"):
                self._set_phase(api, volume, "Available")
            return
        if ref.get("uid") is None or phase in ("Released", "Failed"):
            return
        claim = api.get("", "persistentvolumeclaims", ref.get("namespace", ""),
                        ref.get("name", ""))
        if claim is None or claim["metadata"]["uid"] != ref["uid"]:
            self._set_phase(api, volume, "Released")

    def _bind(self, api: ControllerApi, claim: dict[str, Any]) -> None:
        spec = claim["spec"]
        volumes = [v for v in api.list_objects("", "persistentvolumes") if not deleting(v)
                   and (v.get("status") or {}).get("phase") in (None, "Pending", "Available")]
        if spec.get("volumeName"):
            volumes = [v for v in volumes if v["metadata"]["name"] == spec["volumeName"]]
        chosen = [v for v in volumes if _names(v, claim) and _fits(claim, v)] or sorted(
            (v for v in volumes if not v["spec"].get("claimRef") and _fits(claim, v)),
            key=lambda v: (_storage(v["spec"].get("capacity")), v["metadata"]["name"]))
        if not chosen:
            if spec.get("volumeName"):
                return
            cls = spec.get("storageClassName")
            if cls:
                api.event(claim, "Warning", "ProvisioningFailed",
                          f'storageclass.storage.k8s.io "{cls}" not found')
            else:
                api.event(claim, "Normal", "FailedBinding",
                          "no persistent volumes available for this claim and no storage "
                          "class is set")
            return
        volume = chosen[0]
        meta = claim["metadata"]
        if not volume["spec"].get("claimRef", {}).get("uid"):
            volume["spec"]["claimRef"] = {
                "apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": meta["name"],
                "namespace": meta["namespace"], "resourceVersion": meta["resourceVersion"],
                "uid": meta["uid"]}
            annotations = volume["metadata"].setdefault("annotations", {})
            annotations[BOUND_BY_CONTROLLER] = "yes"
            volume = api.update("", "persistentvolumes", volume)
        self._set_phase(api, volume, "Bound")
        annotations = {**(meta.get("annotations") or {}), BIND_COMPLETED: "yes"}
        if not spec.get("volumeName"):
            annotations[BOUND_BY_CONTROLLER] = "yes"
        claim = api.update("", "persistentvolumeclaims", {
            **claim, "metadata": {**meta, "annotations": annotations},
            "spec": {**spec, "volumeName": volume["metadata"]["name"]}})
        api.update("", "persistentvolumeclaims", {**claim, "status": {
            **(claim.get("status") or {}), "phase": "Bound",
            "accessModes": list(volume["spec"].get("accessModes") or ()),
            "capacity": dict(volume["spec"].get("capacity") or {})}}, status=True)
