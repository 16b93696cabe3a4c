"""What the apiserver fills in on a write: defaulting, and the values its registries
allocate on create.

Every value here was measured on kube-apiserver v1.37.2 (the conformance behaviours
K8S-250 to K8S-258 pin them); the defaulting functions are the ``SetDefaults_*`` of
``pkg/apis/*/v1/defaults.go``. Defaulting runs on every write of the main resource
(the apiserver defaults an object when it decodes it), so an update that leaves a
defaulted field out gets the default again.

Walked by OpenAPI definition: a default for ``io.k8s.api.core.v1.Container`` applies
to every container wherever it sits (a Pod, a Deployment's template, a CronJob's job
template). Admission plugins are not modelled: a Pod gets no service-account volume,
no tolerations and no priority from them.
"""

from __future__ import annotations

import base64
import ipaddress
import random
from collections.abc import Callable, Collection, Mapping
from typing import Any

from fakes.kubernetes._errors import Cause, invalid
from fakes.kubernetes._quantity import decode
from fakes.kubernetes._resources import ResourceType

_CORE = "io.k8s.api.core.v1."
_APPS = "io.k8s.api.apps.v1."
_BATCH = "io.k8s.api.batch.v1."
_ROLLING = {"type": "RollingUpdate"}

#: Fields a definition's objects get when they lack them.
FIXED: Mapping[str, Mapping[str, Any]] = {
    _CORE + "PodSpec": {"restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
                        "dnsPolicy": "ClusterFirst", "securityContext": {},
                        "schedulerName": "default-scheduler"},
    _CORE + "Container": {"resources": {}, "terminationMessagePath": "/dev/termination-log",
                          "terminationMessagePolicy": "File"},
    _CORE + "ContainerPort": {"protocol": "TCP"},
    _CORE + "ServicePort": {"protocol": "TCP"},
    _CORE + "PersistentVolumeClaimSpec": {"volumeMode": "Filesystem"},
    _CORE + "PersistentVolumeSpec": {"persistentVolumeReclaimPolicy": "Retain",
                                     "volumeMode": "Filesystem"},
    _CORE + "HostPathVolumeSource": {"type": ""},
    _APPS + "DeploymentSpec": {"replicas": 1, "strategy": _ROLLING, "revisionHistoryLimit": 10,
                               "progressDeadlineSeconds": 600},
    _APPS + "DeploymentStrategy": {"type": "RollingUpdate"},
    _APPS + "ReplicaSetSpec": {"replicas": 1},
    _APPS + "StatefulSetSpec": {
        "replicas": 1, "serviceName": "", "podManagementPolicy": "OrderedReady",
        "updateStrategy": _ROLLING, "revisionHistoryLimit": 10,
        "persistentVolumeClaimRetentionPolicy": {}},
    _APPS + "StatefulSetUpdateStrategy": {"type": "RollingUpdate"},
    _APPS + "StatefulSetPersistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                                 "whenScaled": "Retain"},
    _APPS + "DaemonSetSpec": {"updateStrategy": _ROLLING, "revisionHistoryLimit": 10},
    _APPS + "DaemonSetUpdateStrategy": {"type": "RollingUpdate"},
    _BATCH + "CronJobSpec": {"concurrencyPolicy": "Allow", "suspend": False,
                             "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1},
    # Go never omits an ObjectMeta: a template without one shows it empty.
    _CORE + "PodTemplateSpec": {"metadata": {}},
    _BATCH + "JobTemplateSpec": {"metadata": {}},
}
#: A rolling update's own defaults, by the strategy definition that holds it.
_ROLLING_UPDATE: Mapping[str, Mapping[str, Any]] = {
    _APPS + "DeploymentStrategy": {"maxUnavailable": "25%", "maxSurge": "25%"},
    _APPS + "StatefulSetUpdateStrategy": {"partition": 0, "maxUnavailable": 1},
    _APPS + "DaemonSetUpdateStrategy": {"maxUnavailable": 1, "maxSurge": 0},
}
#: The service CIDR the fake allocates ClusterIPs from (kube-apiserver's
#: ``--service-cluster-ip-range``; 10.96.0.0/16 on the server it was measured on).
SERVICE_CIDR = ipaddress.IPv4Network("10.96.0.0/16")
#: The default ``--service-node-port-range``.
NODE_PORTS = range(30000, 32768)


def _image_pull_policy(image: str) -> str:
    """Always for ``:latest`` or no tag, IfNotPresent for another tag or a digest."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _container(obj: dict[str, Any]) -> None:
    if "imagePullPolicy" not in obj and isinstance(obj.get("image"), str):
        obj["imagePullPolicy"] = _image_pull_policy(obj["image"])


def _strategy(definition: str) -> Callable[[dict[str, Any]], None]:
    def fill(obj: dict[str, Any]) -> None:
        if obj.get("type") == "RollingUpdate":
            rolling = obj.setdefault("rollingUpdate", {})
            if isinstance(rolling, dict):
                for field, value in _ROLLING_UPDATE[definition].items():
                    rolling.setdefault(field, value)
    return fill


def _service_port(obj: dict[str, Any]) -> None:
    if "targetPort" not in obj and "port" in obj:
        obj["targetPort"] = obj["port"]


def _job(obj: dict[str, Any]) -> None:
    """SetDefaults_Job: a Job's spec (a CronJob's job template gets none of it)."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if "completions" not in spec and "parallelism" not in spec:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy",
                    "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed")


def _replication_controller(obj: dict[str, Any]) -> None:
    """SetDefaults_ReplicationController: selector and labels from the template's."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    spec.setdefault("replicas", 1)
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    if labels:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = obj.setdefault("metadata", {})
        if not meta.get("labels"):
            meta["labels"] = dict(labels)


def _pod(obj: dict[str, Any]) -> None:
    """SetDefaults_Pod: what a Pod, but no template, gets."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    spec.setdefault("enableServiceLinks", True)
    for field in ("containers", "initContainers"):
        for container in spec.get(field) or []:
            resources = container.get("resources") if isinstance(container, dict) else None
            if isinstance(resources, dict) and isinstance(resources.get("limits"), dict):
                # Limits without requests are requests too.
                requests = resources.setdefault("requests", {})
                for name, value in resources["limits"].items():
                    requests.setdefault(name, value)


def _secret(obj: dict[str, Any]) -> None:
    obj.setdefault("type", "Opaque")
    # stringData is write-only: it is merged into data, over what data says.
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict):
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


COMPUTED: Mapping[str, Callable[[dict[str, Any]], None]] = {
    _CORE + "Container": _container,
    _CORE + "ServicePort": _service_port,
    _CORE + "Pod": _pod,
    _CORE + "Secret": _secret,
    _APPS + "DeploymentStrategy": _strategy(_APPS + "DeploymentStrategy"),
    _APPS + "StatefulSetUpdateStrategy": _strategy(_APPS + "StatefulSetUpdateStrategy"),
    _APPS + "DaemonSetUpdateStrategy": _strategy(_APPS + "DaemonSetUpdateStrategy"),
    _CORE + "ReplicationController": _replication_controller,
    _BATCH + "Job": _job,
}


def default(definitions: Mapping[str, Any], name: str, obj: Any) -> None:
    """Fill in the defaults of definition ``name`` and of everything it holds."""
    if not isinstance(obj, dict):
        return
    for field, value in FIXED.get(name, {}).items():
        if field not in obj:
            obj[field] = _fresh(value)
    computed = COMPUTED.get(name)
    if computed is not None:
        computed(obj)
    for field, prop in (definitions.get(name, {}).get("properties") or {}).items():
        value = obj.get(field)
        if "ref" in prop:
            default(definitions, prop["ref"], value)
        elif "ref" in prop.get("items", {}) and isinstance(value, list):
            for item in value:
                default(definitions, prop["items"]["ref"], item)


def _fresh(value: Any) -> Any:
    return {k: _fresh(v) for k, v in value.items()} if isinstance(value, dict) else value


_NO_NODE_INFO = ("architecture", "bootID", "containerRuntimeVersion", "kernelVersion",
                 "kubeProxyVersion", "kubeletVersion", "machineID", "operatingSystem",
                 "osImage", "systemUUID")
#: The status a new object is answered with, where it is not empty: the zero value of
#: its status type as Go writes it (fields without omitempty, structs held by value),
#: and a claim's Pending phase from its registry. Measured on kube-apiserver v1.37.2
#: (a create's answer, before any controller wrote).
INITIAL_STATUS: dict[str, dict[str, Any]] = {
    "ReplicaSet": {"replicas": 0},
    "ReplicationController": {"replicas": 0},
    "StatefulSet": {"availableReplicas": 0, "replicas": 0},
    "DaemonSet": {"currentNumberScheduled": 0, "desiredNumberScheduled": 0,
                  "numberMisscheduled": 0, "numberReady": 0},
    "PodDisruptionBudget": {"currentHealthy": 0, "desiredHealthy": 0,
                            "disruptionsAllowed": 0, "expectedPods": 0},
    "PersistentVolumeClaim": {"phase": "Pending"},
    "Service": {"loadBalancer": {}},
    "Ingress": {"loadBalancer": {}},
    "Node": {"daemonEndpoints": {"kubeletEndpoint": {"Port": 0}},
             "nodeInfo": dict.fromkeys(_NO_NODE_INFO, "")},
}


def on_create(rt: ResourceType, obj: dict[str, Any], allocated: Collection[str],
              rng: random.Random) -> None:
    """What the kind's registry sets up on create, after the defaults (:func:`default`)
    that decoding gives the object, and which its creator owns."""
    if rt.kind in INITIAL_STATUS:
        obj["status"] = _fresh(INITIAL_STATUS[rt.kind])
    if rt.kind == "Pod":
        obj["status"] = {"phase": "Pending", "qosClass": _qos_class(obj.get("spec") or {})}
    elif rt.kind == "Job":
        _job_selector(obj)
    elif rt.kind == "PersistentVolume":
        # The registry starts a volume Pending; the binder makes it Available.
        obj["status"] = {"phase": "Pending",
                         "lastPhaseTransitionTime": obj["metadata"]["creationTimestamp"]}
    elif rt.kind == "Service":
        _allocate(rt, obj, allocated, rng)


def scheduling_gated(pod: dict[str, Any], now: str) -> None:
    """A new Pod with schedulingGates waits, and says so (the pod registry's
    applySchedulingGatedCondition)."""
    if (pod.get("spec") or {}).get("schedulingGates"):
        pod["status"]["conditions"] = [{
            "lastProbeTime": None, "lastTransitionTime": now,
            "message": "Scheduling is blocked due to non-empty scheduling gates",
            "reason": "SchedulingGated", "status": "False", "type": "PodScheduled"}]


def on_update(rt: ResourceType, definitions: Mapping[str, Any], new: dict[str, Any],
              old: Mapping[str, Any]) -> None:
    """Defaults, and the allocated values an update that leaves them out keeps."""
    if rt.kind == "Service":
        spec, old_spec = new.get("spec"), old.get("spec") or {}
        if isinstance(spec, dict):
            for field in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
                if not spec.get(field) and old_spec.get(field):
                    spec[field] = _fresh(old_spec[field])
    default(definitions, rt.definition, new)
    if rt.kind == "Service":
        _service_spec(new)


def _qos_class(spec: Mapping[str, Any]) -> str:
    """The Pod's quality of service from its containers' cpu and memory: none asked
    for is BestEffort, limits equal to requests for both everywhere Guaranteed."""
    containers = [c for f in ("containers", "initContainers") for c in spec.get(f) or []
                  if isinstance(c, Mapping)]
    guaranteed, asked = True, False
    for container in containers:
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        for name in ("cpu", "memory"):
            if name in requests or name in limits:
                asked = True
            if name not in limits or _amount(requests.get(name, limits[name])) != _amount(
                    limits[name]):
                guaranteed = False
    if not asked:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _amount(quantity: Any) -> Any:
    """A quantity's value (``+1`` and ``1`` are equal; the body decoded already)."""
    return decode(quantity).value


def _job_selector(obj: dict[str, Any]) -> None:
    """The Job registry's generated selector: the Job's uid, as a label its Pods get."""
    spec = obj.get("spec")
    if not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return
    meta = obj["metadata"]
    uid, name = meta["uid"], meta["name"]
    spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    spec["manualSelector"] = False
    template = spec.setdefault("template", {})
    if isinstance(template, dict):
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        labels.update({"batch.kubernetes.io/controller-uid": uid,
                       "batch.kubernetes.io/job-name": name,
                       "controller-uid": uid, "job-name": name})
        if not meta.get("labels"):
            meta["labels"] = dict(labels)


def _service_spec(obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    if not isinstance(spec, dict):
        return
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] == "ExternalName":
        return
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    spec.setdefault("internalTrafficPolicy", "Cluster")


def _allocate(rt: ResourceType, obj: dict[str, Any], allocated: Collection[str],
              rng: random.Random) -> None:
    """A ClusterIP (and node ports) from the service CIDR, as the Service registry
    allocates them; a requested IP must be in the range and free."""
    _service_spec(obj)
    spec = obj["spec"]
    if spec["type"] == "ExternalName":
        return
    name = obj["metadata"]["name"]
    wanted = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
    if wanted in (None, ""):
        while True:
            candidate = str(SERVICE_CIDR[rng.randrange(2, SERVICE_CIDR.num_addresses - 1)])
            if candidate not in allocated:
                wanted = candidate
                break
    elif wanted != "None":
        try:
            address = ipaddress.ip_address(wanted)
        except ValueError:
            raise invalid(rt, name, [Cause.invalid(
                "spec.clusterIPs[0]", wanted, "must be a valid IP address, (e.g. 10.9.8.7 or "
                "2001:db8::ffff)")]) from None
        why = ("the provided network does not match the current range"
               if address not in SERVICE_CIDR else
               "provided IP is already allocated" if wanted in allocated else None)
        if why is not None:
            shown = '["' + wanted + '"]'
            raise invalid(rt, name, [Cause("FieldValueInvalid", "spec.clusterIPs",
                                           f"Invalid value: {shown}: failed to allocate IP "
                                           f"{wanted}: {why}")])
    spec["clusterIP"], spec["clusterIPs"] = wanted, [wanted]
    spec["ipFamilies"] = ["IPv4"]
    spec["ipFamilyPolicy"] = "SingleStack"
    if spec["type"] in ("NodePort", "LoadBalancer"):
        used = {p.get("nodePort") for p in spec.get("ports") or [] if isinstance(p, dict)}
        for port in spec.get("ports") or []:
            if isinstance(port, dict) and not port.get("nodePort"):
                choice = rng.choice(NODE_PORTS)
                while choice in used:
                    choice = rng.choice(NODE_PORTS)
                port["nodePort"] = choice
                used.add(choice)
