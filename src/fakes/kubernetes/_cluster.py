"""``FakeCluster``: the Kubernetes API server fake users start."""

from __future__ import annotations

import base64
import json
import os
import secrets
import ssl
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fakes._clock import Clock, RealClock
from fakes._fake import Fake, Snapshot
from fakes.errors import UsageError
from fakes.kubernetes._api import KubernetesAdapter
from fakes.kubernetes._builtin import builtin_controllers
from fakes.kubernetes._controllers import Controllers
from fakes.kubernetes._errors import StatusError
from fakes.kubernetes._kubelet import DEFAULT_NODE, HEARTBEAT, Kubelet, node_manifest
from fakes.kubernetes._model import Cluster, DeleteOptions
from fakes.kubernetes._resources import ResourceType
from fakes.kubernetes._selectors import LabelSelector
from fakes.kubernetes._stages import Stages
from fakes.kubernetes._subresources import log_container
from fakes.kubernetes._tls import credentials

if TYPE_CHECKING:
    from kubernetes.client import ApiClient
    from kubernetes.dynamic import DynamicClient

SEED = "seed"
#: The namespaces every cluster starts with.
SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")
SYSTEM = "system:apiserver"
#: How often controllers' timers are looked at when the clock is a RealClock (seconds).
_REAL_TIME_TICK = 0.05


class FakeCluster(Fake[Cluster]):
    """An in-memory Kubernetes API server on loopback, for the official client and kubectl.

    Modelled: the core/v1, apps/v1, batch/v1, rbac.authorization.k8s.io/v1,
    networking.k8s.io/v1, coordination.k8s.io/v1, policy/v1 and apiextensions.k8s.io/v1
    kinds of the resource registry, and the custom resources of its
    CustomResourceDefinitions; create, get, list, watch, update, JSON merge, JSON and
    strategic merge patch, server-side apply with managedFields, dry runs, delete and
    deletecollection with finalizers and preconditions, the status and scale
    subresources, ``pods/log`` (see :meth:`set_pod_log`), label and field selectors,
    paginated lists, Tables and metadata-only reads, plain and aggregated discovery, and
    the apiserver's Status errors. See the
    ``fakes.kubernetes._model`` docstring for the rules and ``docs/kubernetes.md`` for
    divergences and what is not modelled (defaulting, validation beyond names and
    labels, controllers, RBAC).

    Requests carry the bearer token :attr:`token` (in :attr:`kubeconfig`); ``users``
    adds more tokens, mapped to the user names the journal records as actors.

    :attr:`controllers` runs what a real cluster's controllers do after a write (see
    ``docs/kubernetes.md``), on the fake's clock: ``controllers=False`` starts with all
    of them off, a list of names with only those on.

    ``nodes`` names the Nodes the cluster starts with (one, ``fake-node``, by default):
    a kubelet of the fake's (:attr:`stages`) makes them Ready and runs the Pods the
    scheduler binds to them.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        users: Mapping[str, str] | None = None,
        kubeconfig: str | os.PathLike[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
        allow_non_loopback: bool = False,
        seed: int = 0,
        control_api: bool = False,
        controllers: bool | Sequence[str] = True,
        nodes: Sequence[str] = (DEFAULT_NODE,),
    ) -> None:
        self._enabled_controllers = controllers
        self._nodes = tuple(nodes)
        self._ticker: threading.Thread | None = None
        self._ticking = threading.Event()
        self.token = token or secrets.token_hex(16)
        self._tokens = {**(users or {}), self.token: "admin"}
        self._seed = seed
        self._kubeconfig_path = Path(kubeconfig) if kubeconfig is not None else None
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        super().__init__(host=host, port=port, clock=clock,
                         allow_non_loopback=allow_non_loopback, seed=seed,
                         control_api=control_api)
        self.clock.follow(self.controllers)
        self._baseline = self.store.snapshot()

    def _make_ssl_context(self) -> ssl.SSLContext:
        self.tls = credentials()
        return self.tls.server_context()

    @property
    def ca_file(self) -> str:
        """The CA certificate the server's certificate is signed by."""
        return str(self.tls.ca_file)

    def _make_store(self) -> Cluster:
        cluster = Cluster(self.journal, self.clock, seed=self._seed)
        #: The cluster's controllers (see :mod:`fakes.kubernetes._controllers`).
        self.controllers = Controllers(
            cluster, builtin_controllers(ca_pem=credentials().ca_pem.decode()),
            seed=self._seed)
        #: Status progress as kwok's stages write it, the kubelet's first
        #: (see :mod:`fakes.kubernetes._stages`).
        self.stages = Stages(cluster, self.controllers)
        #: The kubelet of the cluster's Nodes, and the failures a test asks of it.
        self.kubelet = Kubelet()
        self.stages.add(*self.kubelet.stages())
        # off unless asked for: a clock moved on by a year would write each Node 52,560
        # times
        self.stages.disable(HEARTBEAT)
        wanted = self._enabled_controllers
        if wanted is not True:
            on = set() if wanted is False else set(wanted)
            self.controllers.disable(*(n for n in self.controllers.names if n not in on))
        cluster.settle = self.controllers.settle
        namespaces = cluster.types.get("", "v1", "namespaces")
        assert namespaces is not None
        for name in SYSTEM_NAMESPACES:
            cluster.create(namespaces, "", {"metadata": {"name": name}}, SYSTEM)
        node_type = cluster.types.get("", "v1", "nodes")
        assert node_type is not None
        for node in self._nodes:
            # a kubelet registers its own Node
            cluster.create(node_type, "", node_manifest(node), f"system:node:{node}",
                           manager="kubelet")
        return cluster

    def _make_adapter(self) -> KubernetesAdapter:
        return KubernetesAdapter(self.store, self.faults, self._tokens)

    def reset(self, to: Snapshot[Cluster] | None = None) -> None:
        """Back to the snapshot ``to``, or to a new cluster (its system namespaces only).
        Queued controller work and timers are dropped; the controllers then catch up
        with the restored state, as restarted controllers do."""
        super().reset(to if to is not None else Snapshot(self._baseline))
        self.kubelet.reset()
        self.controllers.reset()

    # -- serving -------------------------------------------------------------------------

    def start(self) -> FakeCluster:
        super().start()
        if isinstance(self.clock, RealClock) and self._ticker is None:
            self._ticking.clear()
            self._ticker = threading.Thread(target=self._tick, daemon=True,
                                            name="vf-kubernetes-controllers")
            self._ticker.start()
        path = self._kubeconfig_path
        if path is None:
            if self._tmp is None:
                self._tmp = tempfile.TemporaryDirectory(prefix="vf-kubeconfig-")
            path = Path(self._tmp.name) / "kubeconfig"
        path.write_text(json.dumps(self.kubeconfig_document(), indent=2) + "\n")
        path.chmod(0o600)
        self._written = path
        return self

    def _tick(self) -> None:
        """Under a RealClock, run controllers' timers as real time passes them."""
        while not self._ticking.wait(_REAL_TIME_TICK):
            due = self.controllers.next_due()
            if due is not None and due <= self.clock.monotonic():
                self.controllers.settle()

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticking.set()
            self._ticker.join()
            self._ticker = None
        super().stop()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def kubeconfig(self) -> str:
        """Path of a kubeconfig for this cluster (context ``verified-fakes``), written at
        start; pass it explicitly: ``kubectl --kubeconfig PATH``."""
        if not self.running:
            raise UsageError("the cluster is not running; start it first")
        return str(self._written)

    def kubeconfig_document(self) -> dict[str, Any]:
        return {
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "verified-fakes", "cluster": {
                "server": self.url,
                "certificate-authority-data": base64.b64encode(self.tls.ca_pem).decode()}}],
            "users": [{"name": "admin", "user": {"token": self.token}}],
            "contexts": [{"name": "verified-fakes",
                          "context": {"cluster": "verified-fakes", "user": "admin"}}],
            "current-context": "verified-fakes", "preferences": {},
        }

    # -- the official client, configured for this cluster only ---------------------------

    def api_client(self) -> ApiClient:
        """A ``kubernetes.client.ApiClient`` for this cluster. It reads no kubeconfig and
        no environment, and does not retry."""
        from kubernetes import client

        configuration = client.Configuration()
        configuration.host = self.url
        configuration.api_key = {"authorization": self.token}
        configuration.api_key_prefix = {"authorization": "Bearer"}
        configuration.retries = False
        configuration.ssl_ca_cert = self.ca_file
        configuration.proxy = None
        return client.ApiClient(configuration)

    def dynamic_client(self) -> DynamicClient:
        from kubernetes.dynamic import DynamicClient

        return DynamicClient(self.api_client())  # type: ignore[no-untyped-call]

    # -- seeding and inspection, in Kubernetes terms -------------------------------------

    def apply(self, manifest: Mapping[str, Any] | str, *, actor: str = SEED
              ) -> list[dict[str, Any]]:
        """Create each object of ``manifest`` (a dict, or YAML with one or more documents),
        or replace it where it exists; returns the stored objects. Namespaced objects
        without a namespace go to ``default``.

        The writes are updates, not server-side applies: ``managedFields`` records them
        as ``Update`` operations of field manager ``actor``, as a real cluster records
        ``kubectl create`` or ``kubectl replace``. An applier that later changes a
        seeded field conflicts with ``actor`` unless it forces; to seed with apply
        semantics, send an apply patch through a client instead."""
        import yaml

        documents = [manifest] if not isinstance(manifest, str) else [
            d for d in yaml.safe_load_all(manifest) if d]
        stored = []
        for document in documents:
            rt = self._type(document.get("kind", ""), document.get("apiVersion"))
            meta = document.get("metadata") or {}
            namespace = meta.get("namespace") or ("default" if rt.namespaced else "")
            name = meta.get("name")
            current = self._current(rt, namespace, name) if name else None
            if name and current is not None:
                version = current["metadata"]["resourceVersion"]
                body = {**document, "metadata": {**meta, "resourceVersion": version}}
                stored.append(self.store.update(rt, namespace, name, body, actor,
                                                manager=actor)[0])
            else:
                stored.append(self.store.create(rt, namespace, document, actor,
                                                manager=actor))
        return stored

    def get(self, kind: str, name: str, namespace: str | None = None, *,
            api_version: str | None = None) -> dict[str, Any]:
        """The stored object; raises the apiserver's 404 as a ProviderError."""
        rt = self._type(kind, api_version)
        return self.store.get(rt, self._namespace(rt, namespace), name)

    def list(self, kind: str, namespace: str | None = None, *,
             label_selector: str | None = None, api_version: str | None = None
             ) -> list[dict[str, Any]]:
        """Objects of ``kind`` (in ``namespace``, or in all), ordered by namespace and name."""
        rt = self._type(kind, api_version)
        return self.store.list_objects(
            rt, namespace if rt.namespaced else None,
            labels=LabelSelector.parse(label_selector)).items

    def delete(self, kind: str, name: str, namespace: str | None = None, *,
               actor: str = SEED, api_version: str | None = None) -> None:
        """Delete (or start deleting, where finalizers hold it) an object."""
        rt = self._type(kind, api_version)
        self.store.delete(rt, self._namespace(rt, namespace), name, DeleteOptions(), actor)

    def set_pod_log(self, namespace: str, pod: str, text: str, *,
                    container: str | None = None) -> None:
        """What ``pods/log`` (``kubectl logs``) answers for a container of an existing Pod
        (its only container when ``container`` is not given). A Pod whose log was not set
        answers as one that no node runs: ``204 No Content``. The log belongs to that
        Pod: deleted and made again, it starts without one."""
        rt = self._type("Pod", "v1")
        found = self.store.get(rt, namespace, pod)
        chosen = log_container(found, container)
        self.store.pod_logs[(found["metadata"]["uid"], chosen)] = text

    def _current(self, rt: ResourceType, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return self.store.get(rt, namespace, name)
        except StatusError:
            return None

    def _namespace(self, rt: ResourceType, namespace: str | None) -> str:
        return (namespace or "default") if rt.namespaced else ""

    def _type(self, kind: str, api_version: str | None) -> ResourceType:
        matches = [t for t in self.store.types.types
                   if t.kind == kind and (api_version is None or t.api_version == api_version)]
        if not matches:
            raise UsageError(f"the Kubernetes fake does not model kind {kind!r}"
                             + (f" in {api_version}" if api_version else ""))
        return matches[0]
